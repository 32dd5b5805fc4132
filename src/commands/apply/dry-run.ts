// --dry-run: the steps the plan would run, with their commands, and nothing run.
import { kubectlArgv } from '../../adapters/kubectl.js'
import { INSTANCE_LABEL } from '../../core/apply-plan.js'
import { pluginListArgs } from './plugins.js'
import type { RunContext } from './run-context.js'
import { releaseReadArgv } from './unchanged.js'

export function planSteps(ctx: RunContext, upgradeArgv: string[]): void {
  const { opts, t, plan: p, journal } = ctx
  const sel = `${INSTANCE_LABEL}=${opts.release}`
  const planned = journal.planned.bind(journal)
  // The look before helm starts reads the release again; the files are read in-process.
  planned('helm upgrade', [releaseReadArgv(ctx), upgradeArgv])
  for (const ns of p.restartNamespaces) {
    if (opts.restart === 'none') planned(`restart ${ns}`, [], 'skipped (--restart none)')
    else if (opts.restart === 'delete')
      planned(`restart ${ns}`, [kubectlArgv(t, ['delete', 'pod', '-n', ns, '-l', sel, '-o', 'name'])])
    else if (opts.restart === 'rollout')
      planned(`restart ${ns}`, [
        kubectlArgv(t, ['rollout', 'restart', 'deployment', '-n', ns, '-l', sel, '-o', 'name']),
        kubectlArgv(t, [
          'rollout',
          'status',
          'deployment',
          '-n',
          ns,
          '-l',
          sel,
          `--timeout=<what is left of ${opts.timeout}>`,
        ]),
      ])
    else
      planned(
        `restart ${ns}`,
        [
          kubectlArgv(t, [
            'rollout',
            'status',
            'deployment/<each one helm changed>',
            '-n',
            ns,
            `--timeout=<what is left of ${opts.timeout}>`,
          ]),
          kubectlArgv(t, ['get', 'pods', '-n', ns, '-o', 'json']),
          kubectlArgv(t, ['get', 'replicasets', '-n', ns, '-o', 'json']),
          kubectlArgv(t, [
            'delete',
            'pod',
            '-n',
            ns,
            '<each pod still in ImagePullBackOff/ErrImagePull>',
            '-o',
            'name',
          ]),
        ],
        'wait for the rollouts helm starts, then delete only pods still stuck pulling',
      )
  }
  const lacking = p.pluginSecrets.join(', ') || 'the secret'
  const del = (kind: string, which: string) =>
    kubectlArgv(t, ['delete', kind, which, '-n', p.pluginNamespace, '--ignore-not-found', '-o', 'name'])
  planned(
    `plugins ${p.pluginNamespace}`,
    [
      kubectlArgv(t, [...pluginListArgs(p.pluginNamespace), '-o', 'json']),
      ...(opts.recreatePlugins
        ? [del('deployment', '<each stale plugin version>'), del('service', '<the Service of that version>')]
        : []),
    ],
    opts.recreatePlugins
      ? `then delete, by name, the Deployment and Service of each plugin version whose pod template lacks ${lacking}, and wait for the supervisor to recreate them`
      : 'report those whose pod template lacks the secret',
  )
}
