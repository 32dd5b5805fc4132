import { buildInstallModel, chooseChart } from '../../../core/cloudforet/install-model.js'
import type { Finding } from '../../../core/errors.js'
import { patchCommand } from '../../../core/fix-command.js'
import { describeOwner, ownerEvidence, type GitOpsOwner } from '../../../core/gitops.js'
import { observeGitOpsOwner } from '../../gitops-owner.js'
import { fixContext, narrowing } from '../fix-lines.js'
import type { PreflightCheck } from './context.js'

// A GitOps controller owns the install: Flux would revert a hand-made upgrade at its next
// interval, and under Argo CD there is no Helm release to upgrade. Runs before the release
// check, whose "not found" would otherwise be the only word about an Argo CD install.
export const checkGitOpsOwner: PreflightCheck = async ({ opts, deps, t, step, result, facts }) => {
  if (!facts.toolsOk) return []
  // Where the workloads run, as the values file says (the install model comes later, from the release's values too).
  const ns =
    facts.data === undefined ? undefined : buildInstallModel(facts.data, chooseChart({}), narrowing(opts)).namespaces
  const where = [opts.namespace, ns?.core ?? opts.namespace, ns?.supervisor ?? opts.namespace]
  const { finding, commands } = await observeGitOpsOwner(deps.run, t, where)
  step.commands.push(...commands)
  if (finding.note) result.warnings.push(finding.note)
  if (finding.couldNotCheck) result.warnings.push(finding.couldNotCheck)
  const owner = finding.owner
  if (!owner) return []
  facts.gitOpsOwner = owner
  if (owner.controller === 'flux' && opts.forceGitopsOwner) {
    result.warnings.push(
      `--force-gitops-owner: upgrading a release ${describeOwner(owner)} owns. ${FLUX_REVERTS} Put the change in the HelmRelease's spec.values too, or it will be undone.`,
    )
    return []
  }
  return [refusal(owner, fixLine(opts, facts), !!opts.forceGitopsOwner)]
}

const FLUX_REVERTS =
  "helm-controller will find a revision its HelmRelease never recorded, take the release as changed outside it, and upgrade it again with the HelmRelease's own values at its next interval."

function refusal(owner: GitOpsOwner, fix: string, forced: boolean): Finding {
  const who = describeOwner(owner)
  if (owner.controller === 'flux')
    return {
      message: `${who} owns this release (${ownerEvidence(owner)}): a helm upgrade by hand would be reverted, as ${FLUX_REVERTS} Patch the HelmRelease's spec.values in git instead, or pass --force-gitops-owner to upgrade anyway`,
      fix,
    }
  const forcedToo = forced ? ' --force-gitops-owner does not change that: it is for Flux only.' : ''
  return {
    message: `${who} renders this install (${ownerEvidence(owner)}): Argo CD applies the chart with helm template and keeps no Helm release, so there is no release for helm upgrade to upgrade, and self-heal would revert a forced change.${forcedToo} Patch the Application's helm values in git instead`,
    fix,
  }
}

// The patch of the manifest, with the secret names the values file already has.
function fixLine(opts: Parameters<PreflightCheck>[0]['opts'], facts: Parameters<PreflightCheck>[0]['facts']): string {
  const ctx = fixContext(opts, facts)
  const secrets =
    facts.data === undefined ? [] : buildInstallModel(facts.data, chooseChart({}), narrowing(opts)).serviceSecrets
  return patchCommand({ ...ctx, ...(secrets.length && { secrets }) }, { files: ['<manifest>'] })
}
