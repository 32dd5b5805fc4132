import { kubectl, kubectlArgv, kubectlJson, type KubeTarget } from '../adapters/kubectl.js'
import type { Runner } from '../adapters/run.js'
import { ToolFailedError } from '../core/errors.js'
import {
  APPLICATION_RESOURCE,
  ARGO_GROUP,
  FLUX_GROUP,
  HELMRELEASE_RESOURCE,
  findGitOpsOwner,
  gitOpsQuestions,
  type GitOpsAnswers,
  type GitOpsFinding,
  type MarkedObject,
} from '../core/gitops.js'

// Reads what core/gitops.ts decides from: the marks on the install's Deployments, whether the
// API serves Flux's and Argo CD's kinds (discovery, so the answer is the cluster's, not a guess),
// the HelmRelease the labels name, and Helm's release Secrets in every namespace. Read-only:
// every call is a get or a discovery request.

export interface GitOpsObservation {
  finding: GitOpsFinding
  /** Every kubectl argv run, for the step's record. */
  commands: string[][]
}

interface ObjectList {
  items?: {
    kind?: string
    metadata?: {
      name?: string
      namespace?: string
      labels?: Record<string, string>
      annotations?: Record<string, string>
    }
  }[]
}

/**
 * Who owns the install: Flux, Argo CD, or nobody (as far as the cluster says). `namespaces` are
 * where its workloads run, the release namespace first (Helm keeps its release records there).
 */
export async function observeGitOpsOwner(run: Runner, t: KubeTarget, namespaces: string[]): Promise<GitOpsObservation> {
  const commands: string[][] = []
  const get = async (args: string[], step: string) => {
    commands.push(kubectlArgv(t, args))
    return kubectl(run, t, args, step)
  }
  const namespace = namespaces[0]!
  const objects: MarkedObject[] = []
  for (const ns of [...new Set(namespaces)]) {
    const listArgs = ['get', 'deployments', '-n', ns]
    commands.push(kubectlArgv(t, [...listArgs, '-o', 'json']))
    const list = await kubectlJson<ObjectList>(run, t, listArgs, `list the Deployments in namespace ${ns}`)
    for (const o of list.items ?? [])
      objects.push({
        kind: 'Deployment',
        namespace: o.metadata?.namespace ?? ns,
        name: o.metadata?.name ?? '',
        labels: o.metadata?.labels ?? {},
        annotations: o.metadata?.annotations ?? {},
      })
  }
  const q = gitOpsQuestions(objects)
  const answers: GitOpsAnswers = { unknown: {} }
  const marked = objects.some(
    (o) =>
      Object.keys(o.labels ?? {}).some((k) => k.includes('fluxcd.io/') || k.includes('argoproj.io/')) ||
      Object.keys(o.annotations ?? {}).some((k) => k.includes('argoproj.io/')),
  )
  if (!marked && !q.releaseNames.length) return { finding: {}, commands }
  const served = async (group: string, resource: string) => {
    try {
      const out = await get(['api-resources', `--api-group=${group}`, '-o', 'name'], `ask the API for ${group}`)
      return out.split('\n').includes(resource)
    } catch (err) {
      if (!(err instanceof ToolFailedError)) throw err
      answers.unknown!.apis = firstLine(err.stderr)
      return undefined
    }
  }
  if (q.helmRelease) {
    answers.fluxApi = await served(FLUX_GROUP, HELMRELEASE_RESOURCE)
    if (answers.fluxApi) {
      const { name, namespace: ns } = q.helmRelease
      try {
        const out = await get(
          ['get', HELMRELEASE_RESOURCE, name, '-n', ns, '--ignore-not-found', '-o', 'name'],
          `get HelmRelease ${ns}/${name}`,
        )
        answers.helmReleaseExists = out.trim() !== ''
      } catch (err) {
        if (!(err instanceof ToolFailedError)) throw err
        answers.unknown!.helmReleaseExists = firstLine(err.stderr)
      }
    }
  } else answers.argoApi = await served(ARGO_GROUP, APPLICATION_RESOURCE)
  if (q.releaseNames.length) {
    answers.helmReleases = new Map()
    for (const name of q.releaseNames) {
      // Helm keeps a release as Secrets labelled owner=helm,name=<release> in the release's
      // namespace: this namespace first (a plain Helm install ends here, with no cluster-wide
      // right needed), then every namespace.
      const selector = `owner=helm,name=${name}`
      const here = await get(
        ['get', 'secrets', '-n', namespace, '-l', selector, '-o', 'jsonpath={.items[*].metadata.namespace}'],
        `list Helm release Secrets of ${name} in namespace ${namespace}`,
      )
      if (here.trim()) {
        answers.helmReleases.set(name, [namespace])
        continue
      }
      try {
        const out = await get(
          ['get', 'secrets', '-A', '-l', selector, '-o', 'jsonpath={.items[*].metadata.namespace}'],
          `list Helm release Secrets of ${name} in all namespaces`,
        )
        answers.helmReleases.set(name, [...new Set(out.split(/\s+/).filter(Boolean))])
      } catch (err) {
        if (!(err instanceof ToolFailedError)) throw err
        answers.helmReleases = undefined
        answers.unknown!.helmReleases = `Secrets cannot be listed cluster-wide: ${firstLine(err.stderr)}`
        break
      }
    }
  }
  return { finding: findGitOpsOwner(objects, answers), commands }
}

function firstLine(stderr: string): string {
  return (
    stderr
      .split('\n')
      .find((l) => l.trim())
      ?.replace(/^Error from server \((\w+)\): /, '$1: ')
      .trim() ?? 'kubectl failed'
  )
}
