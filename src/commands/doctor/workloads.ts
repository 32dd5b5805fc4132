// The release's Deployments and the supervisor's plugins: what runs without the secret the
// values now name, and plugin Services whose Deployment is gone.
import {
  INSTANCE_LABEL,
  PLUGIN_LABEL,
  count,
  pluginDeployments,
  pluginLabel,
  pluginObjects,
  pluginPairs,
  staleReasons,
} from '../../core/apply-plan.js'
import { deletePluginsCommand, kubectlCommand } from '../../core/fix-command.js'
import { upgradeFix } from './fix-lines.js'
import type { ClusterScope } from './types.js'

// Why patching the values does not reach plugins already installed.
const SUPERVISOR_REUSES = 'the supervisor reuses an installed plugin (it goes by the Service) as it is'

/** The release's own Deployments (core and supervisor namespaces) that run without the secrets. */
export async function releaseDeploymentFindings(s: ClusterScope): Promise<void> {
  const { v, opts } = s
  for (const namespace of [
    ...new Set([v.namespaces.core ?? opts.namespace, v.namespaces.supervisor ?? opts.namespace]),
  ]) {
    const deployments = pluginDeployments(
      await s.get(
        ['get', 'deployment', '-n', namespace, '-l', `${INSTANCE_LABEL}=${opts.release}`],
        `list ${opts.release} deployments in ${namespace}`,
      ),
    )
    const stale = deployments.filter((d) => !v.secrets.every((x) => d.pullSecrets.includes(x)))
    if (stale.length) {
      const which = `${count(stale.length, 'deployment')} of ${opts.release} in ${namespace}`
      s.findings.push({
        severity: 'error',
        code: 'release-deployment-missing-secret',
        namespace,
        message: `${which} run without ${v.secrets.join(', ')}: ${stale.map((d) => d.name).join(', ')} (the values and the cluster disagree)`,
        fix: upgradeFix(s),
      })
    }
  }
}

/** Plugins that must be recreated to get the secret, and plugin Services left without a Deployment. */
export async function pluginFindings(s: ClusterScope): Promise<void> {
  const { v, owner, fixCtx } = s
  const { pairs, orphans } = pluginPairs(
    pluginObjects(
      await s.get(
        ['get', 'deployment,service', '-n', v.namespaces.plugins, '-l', PLUGIN_LABEL],
        `list plugins in ${v.namespaces.plugins}`,
      ),
    ),
  )
  const pluginSecrets = v.pluginSecrets
  const stalePlugins = pairs.filter((pair) => staleReasons(pair, pluginSecrets).length)
  if (stalePlugins.length) {
    const names = stalePlugins.map((pair) => pair.deployment.name).join(', ')
    const byName = 'by name: deleting by plugin_id alone also removes the versions that work'
    const mustGo = `so each one's Deployment AND Service must go (${byName}) for it to be recreated with the secret`
    const recreate = owner
      ? 'apply refuses under a GitOps owner, so delete them with kubectl, by name'
      : 'apply --recreate-plugins does that and waits for it'
    s.findings.push({
      severity: 'warning',
      code: 'plugin-deployment-missing-secret',
      namespace: v.namespaces.plugins,
      message: `plugin deployments ${names} lack ${pluginSecrets.join(', ')}; ${SUPERVISOR_REUSES}, ${mustGo}: ${recreate}`,
      // apply refuses under a GitOps owner; the supervisor's plugins are not in git, so they go by kubectl.
      fix: owner
        ? deletePluginsCommand(
            fixCtx,
            v.namespaces.plugins,
            stalePlugins.flatMap((pair) => [pair.deployment, ...(pair.service ? [pair.service] : [])]),
          )
        : upgradeFix(s, { recreatePlugins: true }),
    })
  }
  // A Service whose Deployment is gone (a delete cut off half-way): the supervisor counts the
  // plugin as installed, so it never makes it again, and it cannot run.
  for (const o of orphans)
    s.findings.push({
      severity: 'error',
      code: 'plugin-service-orphaned',
      namespace: o.namespace,
      message: `plugin Service ${o.name} in ${o.namespace} has no Deployment: the supervisor counts ${pluginLabel(o)} as installed and never makes it again`,
      fix: kubectlCommand(fixCtx, ['delete', 'service', o.name, '-n', o.namespace]),
    })
}
