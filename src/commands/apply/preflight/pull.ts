import { readText } from '../../../adapters/files.js'
import { kubectlArgv } from '../../../adapters/kubectl.js'
import type { Finding } from '../../../core/errors.js'
import { fixFor, pullFails, type CredentialGap, type ImageUse } from '../../../core/images/pull-check.js'
import { checkPulls, clusterPlatforms } from '../../pull-check.js'
import { applyCommandLine, fixContext, skipIfOnlyHere } from '../fix-lines.js'
import type { PreflightCheck } from './context.js'

// Every rendered image asked of its registry, as the node's runtime will ask it, with the
// credential the kubelet will pick: a missing tag, a rotated password or a missing platform stop
// the upgrade here instead of in ImagePullBackOff. Credential gaps the checks above already
// report (a missing Secret, no entry for the host) are not reported twice.
export const checkPull: PreflightCheck = async ({ opts, deps, t, step, result, facts }) => {
  if (opts.pullCheck === false || !facts.rendered || !facts.toolsOk) return []
  const uses: ImageUse[] = facts.rendered.workloads.flatMap((w) =>
    [...new Set(w.containers.map((c) => c.image))].map((image) => ({
      image,
      workload: w.name,
      namespace: w.namespace,
      pullSecrets: w.imagePullSecrets,
    })),
  )
  if (uses.length === 0) return []
  const findings: Finding[] = []
  step.commands.push(kubectlArgv(t, ['get', 'nodes', '-o', 'json']))
  const { platforms, note } = await clusterPlatforms(deps.run, t)
  if (note) result.warnings.push(note)
  const r = await checkPulls(
    {
      uses,
      secret: (ns, name) => facts.keyrings.get(`${ns}/${name}`) ?? { missing: true },
      platforms,
    },
    { env: deps.env, ...(opts.registryCa && { ca: [await readText(opts.registryCa)] }) },
  )
  const reported: CredentialGap[] = ['secret-missing', 'secret-unreadable', 'no-matching-entry']
  if (opts.allowUnpatched) reported.push('pod-names-none')
  for (const l of r.images) {
    if (!pullFails(l.status) || (l.gap && reported.includes(l.gap))) continue
    const where = `${l.workloads.join(', ')} in ${l.namespaces.join(', ')}`
    const detail = l.detail ? ` (${l.detail})` : ''
    findings.push(
      l.status === 'unreachable'
        ? {
            message: `${l.image} cannot be checked: registry unreachable from here${detail}; ${where} pull it. ${skipIfOnlyHere(l.host)}`,
            fix: applyCommandLine(opts, { pullCheck: false }),
          }
        : {
            message: `${l.image} will not pull: ${l.text}${detail}; used by ${where}`,
            ...(fixFor(l, fixContext(opts, facts)) && { fix: fixFor(l, fixContext(opts, facts))! }),
          },
    )
  }
  facts.pulls = r.images.length
  return findings
}
