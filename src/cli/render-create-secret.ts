import type { CreateSecretOptions, CreateSecretResult, PasswordSource } from '../commands/create-secret/types.js'
import { errorJson, printError } from './errors.js'
import type { Reporter } from './output.js'
import { symbols } from './symbols.js'

const SOURCES: Record<PasswordSource, string> = {
  stdin: 'stdin',
  env: '$CFPULL_REGISTRY_PASSWORD',
  flag: '--docker-password',
  'docker-config': 'the docker config',
}

export const renderCreateSecret = {
  /** Before acting: where the Secret will go, and where the password came from (never the password). */
  plan(
    plan: { namespaces: string[]; passwordSource: PasswordSource; notes: string[] },
    opts: CreateSecretOptions,
    report: Reporter,
  ): void {
    if (plan.passwordSource === 'flag')
      report.warn(
        '--docker-password puts the password on the command line, where other users can see it (ps, shell history): prefer --password-stdin',
      )
    for (const n of plan.notes) report.warn(n)
    // With --dry-run the manifests own stdout, so the plan goes to stderr.
    const namespaces = `namespace${plan.namespaces.length > 1 ? 's' : ''} ${plan.namespaces.join(', ')}`
    const line = `Secret ${opts.name} (password from ${SOURCES[plan.passwordSource]}) → ${namespaces}`
    if (opts.dryRun) report.note(line)
    else report.info(line)
  },

  /** The per-namespace results, or the manifests for --dry-run; returns the exit code. */
  result(r: CreateSecretResult, opts: CreateSecretOptions, report: Reporter, planned: number): number {
    if (report.json) {
      report.printJson({
        command: 'create-secret',
        exitCode: r.exitCode,
        ok: r.exitCode === 0,
        name: r.name,
        server: r.server,
        passwordSource: r.passwordSource,
        dryRun: opts.dryRun,
        namespaces: r.namespaces,
        login: r.login,
        findings: r.findings,
        results: r.results.map((x) => ({
          namespace: x.namespace,
          action: x.action,
          ...(x.registries && { registries: x.registries }),
          ...(x.dropped && { dropped: x.dropped }),
          ...(x.previousType && { previousType: x.previousType }),
          ...(x.namespaceCreated && { namespaceCreated: true }),
          ...(x.error !== undefined && { error: errorJson(x.error) }),
        })),
        notes: r.notes,
        info: r.info,
      })
      return r.exitCode
    }
    // Notes found after the plan was printed (the login check, --dry-run) come now.
    for (const n of r.notes.slice(planned)) report.warn(n)
    const c = report.c
    const say = (line: string) => (opts.dryRun ? report.note(line) : report.info(line))
    if (r.findings.length) {
      for (const f of r.findings) {
        report.error(f.message)
        if (f.fix) report.errorDetail(`${report.cErr.cyan('fix:')} ${f.fix}`)
      }
      report.error(
        `preflight found ${r.findings.length} problem${r.findings.length === 1 ? '' : 's'}; nothing was changed`,
      )
      return r.exitCode
    }
    if (r.login.result === 'accepted') say(`${c.green(symbols.tick)} ${r.info[0]}`)
    for (const line of r.info.slice(r.login.result === 'accepted' ? 1 : 0)) say(line)
    if (r.manifests !== undefined) {
      report.data(r.manifests)
      return r.exitCode
    }
    for (const x of r.results) {
      if (x.action === 'failed') {
        report.info(`${c.red(symbols.cross)} ${x.namespace}: failed`)
        printError(x.error, report)
      } else
        report.info(
          `${c.green(symbols.tick)} ${x.namespace}: ${x.action} (${x.namespaceCreated ? 'namespace created; ' : ''}registries: ${x.registries?.join(', ')}${x.dropped ? `; dropped: ${x.dropped.join(', ')}` : ''})`,
        )
    }
    const failed = r.results.filter((x) => x.action === 'failed')
    if (failed.length && failed.length < r.results.length)
      report.info(
        `${r.results.length - failed.length} of ${r.results.length} namespaces done; failed: ${failed.map((x) => x.namespace).join(', ')}`,
      )
    return r.exitCode
  },
}
