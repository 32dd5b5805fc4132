import type { Runner } from '../../../adapters/run.js'
import { CfpullError, ExitCode, ToolNotFoundError, type Finding } from '../../../core/errors.js'
import type { PreflightCheck } from './context.js'

// kubectl and helm run at all.
export const checkTools: PreflightCheck = async ({ deps, t, helmBin, facts }) => {
  const tools = await Promise.all([
    probe(deps.run, t.bin!, ['version', '--client', '-o', 'json'], 'kubectl', 'CFPULL_KUBECTL'),
    probe(deps.run, helmBin, ['version', '--short'], 'helm', 'CFPULL_HELM'),
  ])
  facts.toolsOk = tools.every((f) => !f)
  return tools.filter((f): f is Finding => !!f)
}

// A tool that cannot start is a finding (reported with the rest), not a crash.
async function probe(
  run: Runner,
  bin: string,
  args: string[],
  tool: string,
  envVar: string,
): Promise<Finding | undefined> {
  try {
    const r = await run(bin, args)
    if (r.exitCode !== 0)
      return {
        message: `${tool} (${bin}) does not run: ${r.stderr.trim().split('\n').pop() ?? ''}`,
        exitCode: ExitCode.ToolFailed,
      }
    return undefined
  } catch (err) {
    if (err instanceof CfpullError)
      return {
        message: `${err.message}: install ${tool} or point ${envVar} at it`,
        exitCode: ExitCode.ToolFailed,
        ...(err instanceof ToolNotFoundError && { toolNotFound: err }),
      }
    throw err
  }
}
