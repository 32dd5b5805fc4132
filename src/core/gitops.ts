// Whether a GitOps controller owns an install: Flux's helm-controller (a HelmRelease) or Argo CD
// (an Application). Under either, a hand-made `helm upgrade` is reverted (Flux upgrades again
// with its own values at its next interval) or impossible (Argo CD keeps no Helm release), so
// apply refuses, doctor names the object to edit, and create-secret says when the Secret itself
// is managed. The cluster is read by the command; what the marks mean is decided here.

export const FLUX_NAME_LABEL = 'helm.toolkit.fluxcd.io/name'
export const FLUX_NAMESPACE_LABEL = 'helm.toolkit.fluxcd.io/namespace'
export const FLUX_KUSTOMIZE_NAME_LABEL = 'kustomize.toolkit.fluxcd.io/name'
export const FLUX_KUSTOMIZE_NAMESPACE_LABEL = 'kustomize.toolkit.fluxcd.io/namespace'
export const ARGO_TRACKING_ANNOTATION = 'argocd.argoproj.io/tracking-id'
export const ARGO_INSTANCE_LABEL = 'argocd.argoproj.io/instance'
export const INSTANCE_LABEL = 'app.kubernetes.io/instance'
export const FLUX_GROUP = 'helm.toolkit.fluxcd.io'
export const ARGO_GROUP = 'argoproj.io'
export const HELMRELEASE_RESOURCE = 'helmreleases.helm.toolkit.fluxcd.io'
export const APPLICATION_RESOURCE = 'applications.argoproj.io'

/** One object of the install, with the metadata that carries the marks. */
export interface MarkedObject {
  kind: string
  namespace: string
  name: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
}

/** `Deployment spaceone/console` */
function ref(o: MarkedObject): string {
  return `${o.kind} ${o.namespace}/${o.name}`
}

/** What the objects' marks ask the cluster: which HelmRelease, and which Helm releases by name. */
export interface GitOpsQuestions {
  /** The HelmRelease the Flux labels name. */
  helmRelease?: { name: string; namespace: string }
  /** app.kubernetes.io/instance values without an Argo CD mark: is there a Helm release of that name anywhere? */
  releaseNames: string[]
}

/** Reads the marks off the objects: what must be looked up before deciding. */
export function gitOpsQuestions(objects: MarkedObject[]): GitOpsQuestions {
  const flux = objects.find((o) => o.labels?.[FLUX_NAME_LABEL] && o.labels[FLUX_NAMESPACE_LABEL])
  const argo = objects.some((o) => o.annotations?.[ARGO_TRACKING_ANNOTATION] || o.labels?.[ARGO_INSTANCE_LABEL])
  const names = argo || flux ? [] : [...new Set(objects.map((o) => o.labels?.[INSTANCE_LABEL]).filter(isText))]
  return {
    ...(flux && {
      helmRelease: { name: flux.labels![FLUX_NAME_LABEL]!, namespace: flux.labels![FLUX_NAMESPACE_LABEL]! },
    }),
    releaseNames: names,
  }
}

function isText(s: string | undefined): s is string {
  return typeof s === 'string' && s !== ''
}

/** What the cluster answered: `undefined` wherever it could not be asked (the reason is in `unknown`). */
export interface GitOpsAnswers {
  /** Whether the API serves helm.toolkit.fluxcd.io's HelmRelease / argoproj.io's Application. */
  fluxApi?: boolean
  argoApi?: boolean
  /** Whether the HelmRelease the labels name exists (asked only when the API is served). */
  helmReleaseExists?: boolean
  /** Per release name: the namespaces holding its Helm release Secrets (owner=helm,name=<release>), cluster-wide. */
  helmReleases?: Map<string, string[]>
  /** Why a question went unanswered, e.g. `Secrets cannot be listed cluster-wide (forbidden)`. */
  unknown?: { helmReleases?: string; helmReleaseExists?: string; apis?: string }
}

export type GitOpsOwner =
  | {
      controller: 'flux'
      /** The HelmRelease to edit instead. */
      object: { kind: 'HelmRelease'; name: string; namespace: string }
      evidence: string
      /** The HelmRelease was seen (true), or could not be looked up (undefined). */
      confirmed?: boolean
    }
  | {
      controller: 'argocd'
      /** Which tracking the marks are: 3.x's annotation, 2.x's label. */
      tracking: 'annotation' | 'label' | 'instance-label'
      object: { kind: 'Application'; name: string; namespace?: string }
      evidence: string
      /** The cluster serves applications.argoproj.io. */
      argoApi?: boolean
    }

export interface GitOpsFinding {
  owner?: GitOpsOwner
  /** The marks point at Argo CD 2.x, but whether a Helm release of that name exists could not be checked. */
  couldNotCheck?: string
  /** Marks that turned out to mean no controller (e.g. Flux labels whose HelmRelease is gone). */
  note?: string
}

/** Decides who owns the install from its objects' marks and the cluster's answers. */
export function findGitOpsOwner(objects: MarkedObject[], answers: GitOpsAnswers): GitOpsFinding {
  // Argo CD 3.x: `<app>:<group>/<kind>:<namespace>/<name>`, the app as `<app-namespace>_<app>` outside argocd's own namespace.
  const tracked = objects.find((o) => isText(o.annotations?.[ARGO_TRACKING_ANNOTATION]))
  if (tracked) {
    const id = tracked.annotations![ARGO_TRACKING_ANNOTATION]!
    const app = id.split(':')[0]!
    const [ns, name] = app.includes('_')
      ? [app.slice(0, app.indexOf('_')), app.slice(app.indexOf('_') + 1)]
      : [undefined, app]
    return argo(
      'annotation',
      name,
      ns,
      `${ref(tracked)} has the annotation ${ARGO_TRACKING_ANNOTATION}: ${id}`,
      answers,
    )
  }
  const labelled = objects.find((o) => isText(o.labels?.[ARGO_INSTANCE_LABEL]))
  if (labelled) {
    const name = labelled.labels![ARGO_INSTANCE_LABEL]!
    return argo('label', name, undefined, `${ref(labelled)} has the label ${ARGO_INSTANCE_LABEL}=${name}`, answers)
  }
  const q = gitOpsQuestions(objects)
  if (q.helmRelease) {
    const flux = objects.find((o) => o.labels?.[FLUX_NAME_LABEL] === q.helmRelease!.name)!
    const object = { kind: 'HelmRelease' as const, ...q.helmRelease }
    const evidence = `${ref(flux)} has the labels ${FLUX_NAME_LABEL}=${object.name}, ${FLUX_NAMESPACE_LABEL}=${object.namespace}`
    if (answers.fluxApi === true && answers.helmReleaseExists === false)
      return {
        note: `${evidence}, but HelmRelease ${object.namespace}/${object.name} does not exist: no Flux controller reconciles this release`,
      }
    return {
      owner: {
        controller: 'flux',
        object,
        evidence,
        ...(answers.helmReleaseExists === true && { confirmed: true }),
      },
    }
  }
  // Argo CD 2.x's default tracking is the chart's own app.kubernetes.io/instance label. A Helm
  // release carries it too, so only a name with no Helm release anywhere is Argo's; the release
  // may live in another namespace than the objects.
  for (const name of q.releaseNames) {
    const o = objects.find((x) => x.labels?.[INSTANCE_LABEL] === name)!
    const found = answers.helmReleases?.get(name)
    const evidence = `${ref(o)} has the label ${INSTANCE_LABEL}=${name}`
    if (found === undefined) {
      if (!answers.helmReleases || answers.unknown?.helmReleases)
        return {
          couldNotCheck: `could not check whether Argo CD renders this install: ${evidence}, which Argo CD 2.x sets, and whether another namespace has a Helm release ${name} is unknown (${answers.unknown?.helmReleases ?? 'Secrets were not listed'})`,
        }
      continue
    }
    if (found.length) continue
    // The label alone is weak: without Argo CD's API here, the objects may come from anything
    // (helm template | kubectl apply, or an Argo CD in another cluster); say so, refuse nothing.
    if (answers.argoApi === false)
      return {
        note: `${evidence} and no namespace has a Helm release ${name}, but the cluster does not serve ${APPLICATION_RESOURCE}: if Argo CD in another cluster renders this install, edit its Application, not the release`,
      }
    return argo('instance-label', name, undefined, `${evidence} and no namespace has a Helm release ${name}`, answers)
  }
  return {}
}

function argo(
  tracking: 'annotation' | 'label' | 'instance-label',
  name: string,
  namespace: string | undefined,
  evidence: string,
  answers: GitOpsAnswers,
): GitOpsFinding {
  return {
    owner: {
      controller: 'argocd',
      tracking,
      object: { kind: 'Application', name, ...(namespace && { namespace }) },
      evidence,
      ...(answers.argoApi !== undefined && { argoApi: answers.argoApi }),
    },
  }
}

/** Who manages the owner's object, in words: `Flux (HelmRelease flux-system/spaceone)`. */
export function describeOwner(owner: GitOpsOwner): string {
  const o = owner.object
  const where = o.namespace ? `${o.namespace}/${o.name}` : o.name
  return owner.controller === 'flux' ? `Flux (HelmRelease ${where})` : `Argo CD (Application ${where})`
}

/** Why the owner's marks are believed, with what strengthens them. */
export function ownerEvidence(owner: GitOpsOwner): string {
  if (owner.controller === 'flux')
    return owner.confirmed ? `${owner.evidence}, and the HelmRelease exists` : owner.evidence
  const generation = owner.tracking === 'annotation' ? 'Argo CD 3.x tracking' : 'Argo CD 2.x tracking'
  const api =
    owner.argoApi === true
      ? `, and the cluster serves ${APPLICATION_RESOURCE}`
      : owner.argoApi === false
        ? `; the cluster does not serve ${APPLICATION_RESOURCE}, so Argo CD may run in another cluster`
        : ''
  return `${owner.evidence} (${generation})${api}`
}

/**
 * A controller's mark on a Secret (create-secret writes Secrets that are not the chart's, but
 * one a controller manages may be pruned or overwritten by it): the controller's name, or undefined.
 */
export function secretManager(
  labels: Record<string, string> = {},
  annotations: Record<string, string> = {},
): string | undefined {
  if (isText(annotations[ARGO_TRACKING_ANNOTATION]))
    return `Argo CD (${ARGO_TRACKING_ANNOTATION}: ${annotations[ARGO_TRACKING_ANNOTATION]})`
  if (isText(labels[ARGO_INSTANCE_LABEL])) return `Argo CD (${ARGO_INSTANCE_LABEL}=${labels[ARGO_INSTANCE_LABEL]})`
  if (isText(labels[FLUX_NAME_LABEL]))
    return `Flux (HelmRelease ${labels[FLUX_NAMESPACE_LABEL] ?? '?'}/${labels[FLUX_NAME_LABEL]})`
  if (isText(labels[FLUX_KUSTOMIZE_NAME_LABEL]))
    return `Flux (Kustomization ${labels[FLUX_KUSTOMIZE_NAMESPACE_LABEL] ?? '?'}/${labels[FLUX_KUSTOMIZE_NAME_LABEL]})`
  return undefined
}
