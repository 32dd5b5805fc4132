// The rights the run needs, asked before the first write. Each later step's refusal would come
// after `helm upgrade` changed the release (a 403 on listing pods, half a recreate of a plugin);
// the plan says every (verb, resource, namespace) the steps will use, and the API server's own
// authorizer answers for each one through SelfSubjectAccessReviews.
import { helmTargetArgs } from '../../../adapters/helm.js'
import { kubectl, kubectlArgv } from '../../../adapters/kubectl.js'
import {
  accessChecks,
  describeAccess,
  droppedObjects,
  manifestObjects,
  type AccessCheck,
  type ManifestObject,
} from '../../../core/apply-plan.js'
import { ToolFailedError, type Finding } from '../../../core/errors.js'
import type { PreflightCheck } from './context.js'

// One kubectl process for every review: a List, created item by item, each printing its answer
// on a line of its own in the List's order. Nothing is stored (a review only answers), so schema
// validation would only cost an OpenAPI download.
const REVIEW_ARGS = ['create', '-f', '-', '--validate=false', '-o', 'jsonpath={.status.allowed}{"\\n"}']

export const checkPermissions: PreflightCheck = async ({ opts, deps, t, helmBin, step, result, facts }) => {
  if (!facts.toolsOk || facts.manifest === undefined || !facts.history?.deployed) return []
  const rendered = manifestObjects(facts.manifest, opts.namespace)
  const dropped = await deployedButDropped({ opts, deps, t, helmBin, step, result, facts }, rendered)
  const checks = accessChecks({
    releaseNamespace: opts.namespace,
    rendered,
    ...(dropped && { dropped }),
    restart: opts.restart,
    restartNamespaces: facts.restartNamespaces,
    pluginNamespace: facts.pluginNamespace,
    plugins: facts.pluginSecrets.length > 0,
    recreatePlugins: opts.recreatePlugins,
  })
  const reviews = {
    apiVersion: 'v1',
    kind: 'List',
    items: checks.map((c) => ({
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: {
        resourceAttributes: {
          verb: c.verb,
          group: c.group,
          resource: c.resource,
          ...(c.namespace && { namespace: c.namespace }),
        },
      },
    })),
  }
  step.commands.push(kubectlArgv(t, REVIEW_ARGS))
  let answers: string[]
  try {
    answers = (await kubectl(deps.run, t, REVIEW_ARGS, 'access reviews', JSON.stringify(reviews))).trim().split('\n')
  } catch (err) {
    if (!(err instanceof ToolFailedError)) throw err
    result.warnings.push(
      `could not check the rights the upgrade needs (kubectl create selfsubjectaccessreviews failed: ${err.stderr.trim().split('\n').pop() ?? ''}): a refusal will show only when a step meets it`,
    )
    return []
  }
  if (answers.length !== checks.length) {
    result.warnings.push(
      `could not check the rights the upgrade needs: ${checks.length} access reviews sent, ${answers.length} answered`,
    )
    return []
  }
  return refusals(checks.filter((_, i) => answers[i] !== 'true'))
}

// One finding per refused right, naming the verb, the resource, the namespace and the step.
function refusals(refused: AccessCheck[]): Finding[] {
  return refused.map((a) => ({
    message: `cannot ${describeAccess(a)}, which ${a.why} needs, and the cluster refuses it (SelfSubjectAccessReview): ask a cluster admin for that right`,
  }))
}

// helm upgrade deletes what the deployed revision has and the new render lacks: the deployed
// manifest (helm get manifest) against the render. Undefined, with a warning, when unreadable.
async function deployedButDropped(
  { opts, deps, t, helmBin, step, result, facts }: Parameters<PreflightCheck>[0],
  rendered: ManifestObject[],
): Promise<ManifestObject[] | undefined> {
  const rev = facts.history!.deployed!.revision
  const args = ['get', 'manifest', opts.release, '-n', opts.namespace, '--revision', String(rev), ...helmTargetArgs(t)]
  step.commands.push([helmBin, ...args])
  const r = await deps.run(helmBin, args)
  if (r.exitCode !== 0) {
    result.warnings.push(
      `could not read revision ${rev}'s manifest (helm get manifest: ${r.stderr.trim().split('\n').pop() ?? ''}): the right to delete what the upgrade drops was not checked`,
    )
    return undefined
  }
  return droppedObjects(manifestObjects(r.stdout, opts.namespace), rendered)
}
