import type { Command } from 'commander'
import { configureOutput, outputFormatOption } from '../output-format.js'
import { globalFlags, type ParsedOptions, type ProgramContext } from './options.js'

/** `cfpull charts`: the chart versions cfpull knows, as a table or in --json. */
export function addChartsCommand(program: Command, { report }: ProgramContext): void {
  globalFlags(
    program
      .command('charts')
      .description('list the spaceone chart versions cfpull knows (for --chart-version), oldest first'),
  )
    .addOption(outputFormatOption(['json', 'yaml']))
    .action(async (o: ParsedOptions) => {
      await configureOutput(o, report)
      const { chartCatalog } = await import('../../core/cloudforet/charts.js')
      const rows = chartCatalog()
      if (report.json) report.printJson({ command: 'charts', exitCode: 0, ok: true, charts: rows })
      else {
        const width = Math.max(...rows.map((r) => r.version.length))
        for (const r of rows) report.data(`${r.version.padEnd(width)}  ${r.date}  ${r.supervisorImage ?? '-'}\n`)
      }
    })
}
