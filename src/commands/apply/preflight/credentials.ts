import { count } from '../../../core/apply-plan.js'
import { matchingKeys } from '../../../core/credentials/docker-config.js'
import { ImageRefError, parseImageRef } from '../../../core/credentials/image-ref.js'
import type { Finding } from '../../../core/errors.js'
import { createSecretCommand } from '../../../core/fix-command.js'
import { describe, fixContext } from '../fix-lines.js'
import type { PreflightCheck } from './context.js'

// Every rendered image, against the entries of the Secrets its pod pulls with, by the kubelet's rules.
export const checkCredentials: PreflightCheck = ({ opts, facts }) => {
  if (!facts.rendered) return []
  const findings: Finding[] = []
  const uncovered = new Map<
    string,
    { host: string; ns: string; secrets: string[]; keys: string[]; images: Set<string> }
  >()
  let checked = 0
  for (const w of facts.rendered.workloads) {
    // A pod without pull secrets pulls anonymously (or with its service account's): nothing of ours to prove.
    if (w.imagePullSecrets.length === 0) continue
    const entries = w.imagePullSecrets.map((n) => facts.secrets.get(`${w.namespace}/${n}`))
    // A missing or unreadable Secret is already a finding of its own.
    if (entries.some((e) => !e)) continue
    const all = entries.flatMap((e) => e!)
    for (const c of w.containers) {
      let ref
      try {
        ref = parseImageRef(c.image)
      } catch (err) {
        if (!(err instanceof ImageRefError)) throw err
        findings.push({ message: `${describe(w)} container ${c.name}: ${err.message}, so the kubelet cannot pull it` })
        continue
      }
      checked++
      if (matchingKeys(all, ref).length) continue
      const key = `${w.namespace}|${ref.registry}|${w.imagePullSecrets.join(',')}`
      const u = uncovered.get(key) ?? {
        host: ref.registry,
        ns: w.namespace,
        secrets: w.imagePullSecrets,
        keys: [...new Set(all.map((e) => e.key))],
        images: new Set<string>(),
      }
      u.images.add(c.image)
      uncovered.set(key, u)
    }
  }
  for (const u of uncovered.values()) {
    const images = [...u.images]
    const examples = `${images.slice(0, 3).join(', ')}${images.length > 3 ? ', …' : ''}`
    const pulled = `${count(images.length, 'image')} of the upgraded release come${images.length === 1 ? 's' : ''} from (${examples})`
    const entries = `the Secret has entries for ${u.keys.join(', ') || 'no registry'}`
    const name = u.secrets[0]!
    // create-secret refuses to write over a legacy kubernetes.io/dockercfg Secret (its type cannot
    // change in place) unless told --replace, which converts it and keeps every registry it held.
    const legacy = facts.secretTypes.get(`${u.ns}/${name}`) === 'kubernetes.io/dockercfg'
    findings.push({
      message: `no entry of Secret ${u.secrets.join(', ')} in namespace ${u.ns} covers ${u.host}, where ${pulled}; ${entries}`,
      fix: createSecretCommand(fixContext(opts, facts), name, { namespaces: [u.ns], server: u.host, replace: legacy }),
    })
  }
  facts.imageCount = checked
  return findings
}
