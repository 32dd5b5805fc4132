// The pods of the install's namespaces: which registries they pull from, whether the Secrets
// there cover them, and every container the kubelet cannot pull for, with the event that says why.
import { PULL_SECRET_TYPES } from '../../core/diagnose.js'
import { podPulls, pullEvents, type EventJson, type FailingPod, type PodJson } from '../../core/pod-pulls.js'
import { failingPodFix } from './fix-lines.js'
import type { ClusterScope, SecretState } from './types.js'

interface K8sList<T> {
  items?: T[]
}

/** Lists the pods of each namespace in turn; a registry no Secret there covers is a warning. */
export async function inspectPods(
  s: ClusterScope,
  secrets: SecretState[],
): Promise<{ failingPods: FailingPod[]; imageRegistries: Record<string, string[]> }> {
  const { v, opts } = s
  const podNamespaces = [
    ...new Set([v.namespaces.core ?? opts.namespace, v.namespaces.supervisor ?? opts.namespace, v.namespaces.plugins]),
  ]
  const imageRegistries: Record<string, string[]> = {}
  const failingPods: FailingPod[] = []
  for (const namespace of podNamespaces) {
    const pods =
      (await s.get<K8sList<PodJson>>(['get', 'pods', '-n', namespace], `list pods in ${namespace}`)).items ?? []
    const { registries, failing } = podPulls(namespace, pods)
    failingPods.push(...failing)
    imageRegistries[namespace] = [...registries].sort()
    const here = secrets.filter(
      (x) => x.namespace === namespace && x.present && PULL_SECRET_TYPES.includes(x.type ?? ''),
    )
    const covered = new Set(here.flatMap((x) => x.registries))
    const holders = `${here.map((x) => x.name).join(', ')} there ${here.length === 1 ? 'has' : 'have'}`
    const coveredList = [...covered].join(', ') || 'no registry'
    for (const r of registries)
      if (here.length && r !== 'docker.io' && !covered.has(r))
        s.findings.push({
          severity: 'warning',
          code: 'registry-mismatch',
          namespace,
          message: `images from ${r} run in ${namespace}, but ${holders} credentials only for ${coveredList}`,
        })
  }
  return { failingPods, imageRegistries }
}

/** One error per container that cannot pull, with the pull event of its pod when there is one. */
export async function failingPodFindings(
  s: ClusterScope,
  failingPods: FailingPod[],
  secrets: SecretState[],
): Promise<void> {
  if (!failingPods.length) return
  const { v, opts } = s
  const events = new Map<string, string>()
  for (const namespace of [...new Set(failingPods.map((p) => p.namespace))])
    pullEvents(
      namespace,
      (await s.get<K8sList<EventJson>>(['get', 'events', '-n', namespace], `list events in ${namespace}`)).items ?? [],
      events,
    )
  const isCore = (namespace: string) =>
    namespace === (v.namespaces.core ?? opts.namespace) || namespace === (v.namespaces.supervisor ?? opts.namespace)
  for (const p of failingPods) {
    const event = events.get(`${p.namespace}/${p.pod}`) ?? p.event
    if (event) p.event = event
    const wanted = p.namespace === v.namespaces.plugins && !isCore(p.namespace) ? v.pluginSecrets : v.secrets
    const lacks = wanted.filter((x) => !p.pullSecrets.includes(x))
    const pullSecrets = `pull secrets: ${p.pullSecrets.join(', ') || 'none'}${event ? `; ${event}` : ''}`
    s.findings.push({
      severity: 'error',
      code: 'image-pull-failing',
      namespace: p.namespace,
      message: `pod ${p.pod} in ${p.namespace} cannot pull ${p.image} (${p.reason}); ${pullSecrets}`,
      fix: failingPodFix(s, p, lacks, secrets),
    })
  }
}
