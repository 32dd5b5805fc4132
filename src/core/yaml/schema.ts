// zod/mini: the same checks as zod with a tree-shakable API, a third of the code to load.
import * as z from 'zod/mini'

// Kubernetes names a Secret with a DNS-1123 subdomain; kubectl does not check it, the API server does.
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/

export const SecretNameSchema = z
  .string()
  .check(
    z.maxLength(253, 'is longer than 253 characters'),
    z.regex(
      DNS1123_SUBDOMAIN,
      'is not a DNS-1123 subdomain (lowercase letters, digits, "-" and "."; starts and ends alphanumeric)',
    ),
  )

/** What Helm copies verbatim into a pod spec: a list of LocalObjectReference maps. */
export const PullSecretListSchema = z.array(z.looseObject({ name: z.string().check(z.minLength(1)) }))

/** A service section: a map, or empty (null), which becomes a map when patched. */
export const ServiceSectionSchema = z.union([z.null(), z.record(z.string(), z.unknown())])

/** The supervisor's Kubernetes connector: a map whose namespace, when set, is a string. */
export const KubernetesConnectorSchema = z.union([z.null(), z.looseObject({ namespace: z.optional(z.string()) })])

/** Checks a secret name; returns the reason it is not valid, or undefined when it is. */
export function secretNameProblem(name: string): string | undefined {
  const r = SecretNameSchema.safeParse(name)
  return r.success ? undefined : r.error.issues[0]?.message
}

/** Reads an existing imagePullSecrets value: its names, or a description of the wrong shape found. */
export function parsePullSecretList(data: unknown): { names: string[] } | { found: string } {
  const r = PullSecretListSchema.safeParse(data)
  if (r.success) return { names: r.data.map((s) => s.name) }
  return { found: describeShape(data) }
}

/** Says in a few words what a value is, for error messages ("a string", "a list of strings", …). */
export function describeShape(data: unknown): string {
  if (data === null || data === undefined) return 'empty'
  if (typeof data === 'string') return `a string (${JSON.stringify(data.length > 40 ? `${data.slice(0, 40)}…` : data)})`
  if (typeof data === 'number' || typeof data === 'boolean' || typeof data === 'bigint')
    return `a ${typeof data} (${String(data)})`
  if (typeof data !== 'object') return `a ${typeof data}`
  if (!Array.isArray(data)) return 'a map'
  if (data.length === 0) return 'an empty list'
  if (data.every((x) => typeof x === 'string')) return 'a list of strings'
  const bad = data.findIndex(
    (x) => !(x && typeof x === 'object' && !Array.isArray(x) && typeof (x as { name?: unknown }).name === 'string'),
  )
  return `a list whose item ${bad + 1} is not a {name: <secret>} map`
}
