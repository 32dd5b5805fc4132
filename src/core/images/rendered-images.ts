// Every image a rendered release will run, read from `helm template` output: what the pods get
// after an upgrade, chart defaults included, rather than what a values file happens to mention.

import { parseAllDocuments } from 'yaml'

/** One container of a rendered workload. */
export interface RenderedContainer {
  name: string
  image: string
  init: boolean
}

/** A workload (or bare Pod) of the rendered manifests, with what its pods pull with. */
export interface RenderedWorkload {
  kind: string
  name: string
  /** metadata.namespace, else the namespace given (the release's: helm installs there). */
  namespace: string
  /** Names in the pod template's imagePullSecrets, in order. */
  imagePullSecrets: string[]
  /** The pod's service account (`default` when unset): its imagePullSecrets apply when the pod has none. */
  serviceAccountName: string
  containers: RenderedContainer[]
  /** The `# Source:` comment helm writes above the document, when there is one. */
  source?: string
}

export interface RenderedImages {
  workloads: RenderedWorkload[]
  /** Documents that are not YAML: their images are unknown, so the caller must not treat the list as complete. */
  unreadable: { index: number; source?: string; reason: string }[]
}

// Where each kind keeps its pod spec.
const POD_SPEC_PATHS: Record<string, string[]> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
}

/**
 * The workloads of a multi-document manifest (helm template's stdout), each with its
 * containers' and init containers' images, its namespace and its pod's imagePullSecrets.
 * `List` documents are looked into; kinds without a pod spec are skipped.
 */
export function renderedImages(manifests: string, defaultNamespace: string): RenderedImages {
  const workloads: RenderedWorkload[] = []
  const unreadable: RenderedImages['unreadable'] = []
  const docs = parseAllDocuments(manifests)
  const list = Array.isArray(docs) ? docs : [docs]
  list.forEach((doc, index) => {
    const comment = [doc.commentBefore, (doc.contents as { commentBefore?: string | null } | null)?.commentBefore]
      .filter(Boolean)
      .join('\n')
    const source = /^ ?Source: (.+)$/m.exec(comment)?.[1]?.trim()
    if (doc.errors.length) {
      unreadable.push({ index, ...(source && { source }), reason: doc.errors[0]!.message.split('\n')[0]! })
      return
    }
    const visit = (obj: unknown) => {
      if (!isObject(obj)) return
      if (obj.kind === 'List' && Array.isArray(obj.items)) return obj.items.forEach(visit)
      const kind = typeof obj.kind === 'string' ? obj.kind : ''
      const path = POD_SPEC_PATHS[kind]
      if (!path) return
      const meta = isObject(obj.metadata) ? obj.metadata : {}
      let spec: unknown = obj
      for (const k of path) spec = isObject(spec) ? spec[k] : undefined
      if (!isObject(spec)) return
      const containers = (init: boolean, v: unknown): RenderedContainer[] =>
        (Array.isArray(v) ? v : []).flatMap((c) =>
          isObject(c) && typeof c.image === 'string'
            ? [{ name: typeof c.name === 'string' ? c.name : '', image: c.image, init }]
            : [],
        )
      workloads.push({
        kind,
        name: typeof meta.name === 'string' ? meta.name : '',
        namespace: typeof meta.namespace === 'string' && meta.namespace ? meta.namespace : defaultNamespace,
        imagePullSecrets: (Array.isArray(spec.imagePullSecrets) ? spec.imagePullSecrets : []).flatMap((s) =>
          isObject(s) && typeof s.name === 'string' ? [s.name] : [],
        ),
        serviceAccountName:
          typeof spec.serviceAccountName === 'string' && spec.serviceAccountName ? spec.serviceAccountName : 'default',
        containers: [...containers(true, spec.initContainers), ...containers(false, spec.containers)],
        ...(source && { source }),
      })
    }
    visit(doc.toJS({ maxAliasCount: -1 }))
  })
  return { workloads, unreadable }
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}
