// The preflight's checks, one module each, in the order they run. Every check is read-only; a
// check that needs what an earlier one read finds it in `facts`. To add a check, add its module
// here at the place it belongs.
import { checkChart } from './chart.js'
import type { PreflightCheck } from './context.js'
import { checkCredentials } from './credentials.js'
import { readGenerations } from './generations.js'
import { checkGitOpsOwner } from './gitops-owner.js'
import { recordInputs } from './inputs.js'
import { deriveInstallModel } from './install-model.js'
import { checkKeptValues } from './kept-values.js'
import { checkPatched } from './patched.js'
import { checkPermissions } from './permissions.js'
import { checkPull } from './pull.js'
import { checkRelease } from './release.js'
import { checkRender } from './render.js'
import { checkSecrets } from './secrets.js'
import { checkTools } from './tools.js'
import { checkValuesFile } from './values-file.js'

export type { Facts, PreflightCheck, PreflightContext } from './context.js'
export { initialFacts, readPassthrough } from './context.js'
export { changedInputs, type RecordedInput } from './inputs.js'

/** The preflight, in order. */
export const PREFLIGHT_CHECKS: PreflightCheck[] = [
  checkTools,
  checkValuesFile,
  recordInputs,
  checkGitOpsOwner,
  checkChart,
  checkRelease,
  checkKeptValues,
  deriveInstallModel,
  checkPatched,
  checkRender,
  checkSecrets,
  checkCredentials,
  checkPull,
  checkPermissions,
  readGenerations,
]
