// What a namespace's pods say about pulling: the registries their images come from, and the
// containers the kubelet cannot pull for (with the event that says why). Pure: kubectl's JSON in.
import { registryOfImage } from './diagnose.js'

export interface PodJson {
  metadata?: { name?: string }
  spec?: {
    imagePullSecrets?: Array<{ name?: string }>
    containers?: Array<{ name?: string; image?: string }>
    initContainers?: Array<{ name?: string; image?: string }>
  }
  status?: { containerStatuses?: ContainerStatus[]; initContainerStatuses?: ContainerStatus[] }
}
interface ContainerStatus {
  name?: string
  image?: string
  state?: { waiting?: { reason?: string; message?: string } }
}
export interface EventJson {
  involvedObject?: { kind?: string; name?: string }
  reason?: string
  message?: string
  lastTimestamp?: string
}

export interface FailingPod {
  namespace: string
  pod: string
  image: string
  reason: string
  pullSecrets: string[]
  event?: string
}

const PULL_FAILURES = new Set(['ImagePullBackOff', 'ErrImagePull', 'InvalidImageName', 'ErrImageNeverPull'])

/**
 * The registry hosts the pods' images come from (in the order first met) and every container
 * waiting on a pull failure.
 */
export function podPulls(namespace: string, pods: PodJson[]): { registries: string[]; failing: FailingPod[] } {
  const registries = new Set<string>()
  const failing: FailingPod[] = []
  for (const pod of pods) {
    for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])])
      if (c.image) registries.add(registryOfImage(c.image))
    for (const st of [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])]) {
      const reason = st.state?.waiting?.reason
      if (reason && PULL_FAILURES.has(reason))
        failing.push({
          namespace,
          pod: pod.metadata?.name ?? '',
          image: st.image ?? '',
          reason,
          pullSecrets: (pod.spec?.imagePullSecrets ?? []).flatMap((s) => (s.name ? [s.name] : [])),
          ...(st.state?.waiting?.message && { event: st.state.waiting.message }),
        })
    }
  }
  return { registries: [...registries], failing }
}

/** `namespace/pod` → the message of the last event about pulling for that pod. */
export function pullEvents(
  namespace: string,
  events: EventJson[],
  into = new Map<string, string>(),
): Map<string, string> {
  for (const e of events)
    if (e.involvedObject?.kind === 'Pod' && e.involvedObject.name && /pull/i.test(`${e.reason} ${e.message}`))
      into.set(`${namespace}/${e.involvedObject.name}`, e.message ?? '')
  return into
}
