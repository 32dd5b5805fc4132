import { readText } from '../../adapters/files.js'
import { UsageError } from '../../core/errors.js'
import { buildInstallModel, chooseChart } from '../../core/cloudforet/install-model.js'
import { readValuesData } from '../../core/gitops-manifest.js'
import type { CreateSecretOptions } from './types.js'

/** The namespaces the Secret goes to: every -n, then every one the values file puts pods in. */
export async function targetNamespaces(opts: CreateSecretOptions, notes: string[]): Promise<string[]> {
  const out = [...opts.namespaces]
  if (opts.values) {
    // The install model says where this name is pulled: services in core and supervisor, the
    // plugin route's secret in the plugin namespace only. A name the file does not use yet goes everywhere.
    const chart = chooseChart({ ...(opts.chartVersion && { version: opts.chartVersion }) })
    const values = readValuesData(await readText(opts.values), opts.values)
    const model = buildInstallModel(values.data, chart)
    const need = model.needs.find((n) => n.name === opts.name)
    const ns = model.namespaces
    const roles = [
      ['core', ns.core],
      ['supervisor', ns.supervisor],
      ['plugins', ns.plugins],
    ] as const
    for (const [role, value] of roles) {
      if (need && !need.namespaces.includes(value)) continue
      // A HelmRelease or Application names the release namespace, where such pods go.
      if (value ?? values.releaseNamespace) out.push((value ?? values.releaseNamespace)!)
      else {
        const unset = `${opts.values} does not set the ${role} namespace and chart ${chart.info.version} has no default`
        notes.push(`${unset}: those pods go to the Helm release namespace; add it with -n`)
      }
    }
  }
  const unique = [...new Set(out)]
  if (unique.length === 0)
    throw new UsageError('no namespace: pass -n <namespace> (repeatable) or --values values.yaml')
  for (const ns of unique)
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(ns) || ns.length > 63)
      throw new UsageError(`namespace "${ns}" is not a valid Kubernetes namespace name (DNS-1123 label)`)
  return unique
}
