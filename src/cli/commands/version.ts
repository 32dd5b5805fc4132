import type { Command } from 'commander'
import type { ProgramContext } from './options.js'

/** `cfpull version`, as kubectl and helm spell it: the same line as `cfpull --version`. */
export function addVersionCommand(program: Command, { report }: ProgramContext, version: string): void {
  program
    .command('version')
    .description('print the cfpull version (the same as cfpull --version)')
    .action(() => {
      report.data(`${version}\n`)
    })
}
