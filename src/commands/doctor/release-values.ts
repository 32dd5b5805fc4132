import { helmGetAllValues } from '../../adapters/helm.js'
import type { KubeTarget } from '../../adapters/kubectl.js'
import { toolBinary } from '../../adapters/run.js'
import { UsageError } from '../../core/errors.js'
import type { DoctorDeps, DoctorOptions } from './types.js'

// The values file a fix names: read from the release there is none, so the user fills it in.
const RELEASE_VALUES_FILE = '<values file>'

/** The values file the fixes name: the one given, or a placeholder for the release's values. */
export function valuesFileOf(opts: DoctorOptions): string {
  return opts.valuesFromRelease ? RELEASE_VALUES_FILE : opts.values
}

/** The release's values (helm get values --all), as YAML text; never printed. */
export async function releaseValues(opts: DoctorOptions, deps: DoctorDeps): Promise<string> {
  const t: KubeTarget = {
    ...(opts.kubeconfig && { kubeconfig: opts.kubeconfig }),
    ...(opts.context && { context: opts.context }),
  }
  const text = await helmGetAllValues(deps.run, toolBinary('helm', deps.env), t, opts.namespace, opts.release)
  if (text === null)
    throw new UsageError(
      `no release ${opts.release} in namespace ${opts.namespace} to read the values of: pass -f <values file>, or the release's --release and -n`,
    )
  return text
}
