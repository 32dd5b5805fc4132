// The pull Secrets the install model places, read for their type and registry hosts only.
import { kubectl } from '../../adapters/kubectl.js'
import { secretPlacements } from '../../core/cloudforet/install-model.js'
import { PULL_SECRET_TYPES, registryHostsOfDockerConfig } from '../../core/diagnose.js'
import { ToolFailedError } from '../../core/errors.js'
import { createFix, replaceFix } from './fix-lines.js'
import type { ClusterScope, SecretState } from './types.js'

// Why a Secret of another type cannot be fixed where it is.
const TYPE_IS_FIXED = `the kubelet reads pull credentials only from ${PULL_SECRET_TYPES.join(' or ')}, and a Secret's type cannot be changed in place`

/** Every placed Secret's state, in placement order; the first error in that order is the one thrown. */
export async function readSecrets(s: ClusterScope): Promise<SecretState[]> {
  const placements = secretPlacements(s.v.model, s.opts.namespace)
  const namespaces = [...new Set(placements.map((p) => p.namespace))]
  const secrets: SecretState[] = []
  // In parallel, but the error reported is the first in placement order, whichever fails first.
  const settled = await Promise.allSettled(
    placements.map(async ({ namespace, name }) => {
      const out = await kubectl(
        s.deps.run,
        s.t,
        ['get', 'secret', name, '-n', namespace, '--ignore-not-found', '-o', 'json'],
        `doctor: get secret ${name} in ${namespace}`,
      )
      if (!out.trim()) return secrets.push({ namespace, name, present: false, registries: [] })
      let secret: { type?: string; data?: Record<string, string> }
      try {
        secret = JSON.parse(out) as typeof secret
      } catch {
        throw new ToolFailedError(
          'kubectl',
          undefined,
          '',
          `doctor: get secret ${name} in ${namespace}`,
          undefined,
          'printed something that is not JSON',
        )
      }
      secrets.push({
        namespace,
        name,
        present: true,
        type: secret.type ?? '',
        registries:
          secret.type === 'kubernetes.io/dockercfg'
            ? registryHostsOfDockerConfig(secret.data?.['.dockercfg'] ?? '', true)
            : registryHostsOfDockerConfig(secret.data?.['.dockerconfigjson'] ?? ''),
      })
    }),
  )
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failed) throw failed.reason
  return secrets.sort(
    (a, b) => namespaces.indexOf(a.namespace) - namespaces.indexOf(b.namespace) || a.name.localeCompare(b.name),
  )
}

/** One finding per Secret: missing, of a type the kubelet does not pull with, or the registries it covers. */
export function secretFindings(s: ClusterScope, secrets: SecretState[]): void {
  for (const x of secrets) {
    if (!x.present)
      s.findings.push({
        severity: 'error',
        code: 'secret-missing',
        namespace: x.namespace,
        message: `Secret ${x.name} does not exist in ${x.namespace}: pods there cannot pull private images`,
        fix: createFix(s, x.name),
      })
    else if (!PULL_SECRET_TYPES.includes(x.type ?? ''))
      s.findings.push({
        severity: 'error',
        code: 'secret-type',
        namespace: x.namespace,
        message: `Secret ${x.name} in ${x.namespace} has type ${x.type || '(none)'}; ${TYPE_IS_FIXED}`,
        fix: replaceFix(s.fixCtx, x.name, x.namespace),
      })
    else
      s.findings.push({
        severity: 'info',
        code: 'secret-present',
        namespace: x.namespace,
        message: `Secret ${x.name} in ${x.namespace} has credentials for ${x.registries.join(', ') || 'no registry'}`,
      })
  }
}
