import { helmTemplateArgs } from '../../../adapters/helm.js'
import type { Finding } from '../../../core/errors.js'
import { renderedImages } from '../../../core/images/rendered-images.js'
import type { PreflightCheck } from './context.js'

// What the upgrade will really run: the chart rendered with the same version and values.
export const checkRender: PreflightCheck = async ({ opts, deps, helmBin, step, facts }) => {
  if (!facts.toolsOk || facts.text === undefined || !facts.version || !facts.releaseExists) return []
  const reuse = facts.valuesMode === 'reuse'
  const argv = helmTemplateArgs({
    release: opts.release,
    chart: opts.chart,
    namespace: opts.namespace,
    valuesFile: opts.values,
    // A local chart is rendered as it is: helm ignores --version there (its Chart.yaml is the pin).
    ...(!facts.localChart && { version: facts.version }),
    releaseValuesOnStdin: reuse,
    extra: facts.passthrough.render,
  })
  step.commands.push([helmBin, ...argv])
  const r = await deps.run(helmBin, argv, reuse ? { input: JSON.stringify(facts.releaseValues ?? {}) } : {})
  if (r.exitCode !== 0) {
    const lastLine = r.stderr.trim().split('\n').pop() ?? ''
    return [
      {
        message: `helm template of ${opts.chart} ${facts.version} with these values${facts.passthrough.render.length ? ' and the arguments after --' : ''} fails, so helm upgrade would too: ${lastLine}`,
      },
    ]
  }
  facts.rendered = renderedImages(r.stdout, opts.namespace)
  facts.manifest = r.stdout
  const findings: Finding[] = facts.rendered.unreadable.map((u) => ({
    message: `helm template printed a document cfpull cannot read (${u.source ?? `document ${u.index + 1}`}: ${u.reason}): its images cannot be checked`,
  }))
  // Every namespace a rendered pod runs in is one the restarts must reach.
  for (const w of facts.rendered.workloads)
    if (!facts.restartNamespaces.includes(w.namespace)) facts.restartNamespaces.push(w.namespace)
  return findings
}
