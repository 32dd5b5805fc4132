// A release's values (helm get values --all) hold passwords. doctor can read its values from the
// release, and then no finding may quote one of them.
import type { Diagnosis } from './diagnose.js'

// Keys whose values are credentials in Cloudforet's values (TOKEN, rootPassword, secret_key, auth…);
// the pull secrets' names (imagePullSecrets, image_pull_secrets) are what doctor is about.
const SENSITIVE_KEY = /pass|secret|token|key|credential|auth/i
const PULL_SECRETS_KEY = /pull_?secrets?$/i

/**
 * Findings with every value of the release that they quote hidden: each string value in the
 * JSON quotes the findings use for a value found, and anywhere the value of a key that names a
 * credential. Secret names and namespaces the findings are about are kept (they are not quoted).
 */
export function hideReleaseValues(findings: Diagnosis[], data: unknown): Diagnosis[] {
  const hidden: string[] = []
  const walk = (v: unknown, sensitive: boolean): void => {
    if (typeof v === 'string') {
      hidden.push(JSON.stringify(v))
      if (sensitive && v.length >= 4) hidden.push(v)
    } else if (Array.isArray(v)) for (const x of v) walk(x, sensitive)
    else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) walk(x, sensitive || (SENSITIVE_KEY.test(k) && !PULL_SECRETS_KEY.test(k)))
  }
  walk(data, false)
  // Longest first, so a value inside another is not left half-hidden.
  hidden.sort((a, b) => b.length - a.length)
  const hide = (text: string) => hidden.reduce((t, h) => t.split(h).join('<hidden>'), text)
  return findings.map((f) => ({ ...f, message: hide(f.message), ...(f.fix !== undefined && { fix: hide(f.fix) }) }))
}
