import { gunzipSync, gzipSync } from 'node:zlib'

/**
 * A Helm release record as Helm stores it (a Secret sh.helm.release.v1.NAME.vN whose
 * `release` field is base64 of gzipped JSON), so real `helm list` finds a deployed release.
 */
export function helmReleaseSecret(o: {
  release: string
  namespace: string
  chart: string
  version: string
  revision?: number
  /** deployed (default), superseded, failed, pending-install, pending-upgrade, pending-rollback, … */
  status?: string
  /** The user-supplied values of this revision (what `helm get values` prints). */
  config?: Record<string, unknown>
  description?: string
  /** The rendered manifest of this revision (what `helm get manifest` prints); empty by default. */
  manifest?: string
}): object {
  const revision = o.revision ?? 1
  const status = o.status ?? 'deployed'
  const now = new Date().toISOString()
  const record = {
    name: o.release,
    namespace: o.namespace,
    version: revision,
    info: {
      first_deployed: now,
      last_deployed: now,
      deleted: '',
      description: o.description ?? (status === 'failed' ? 'Upgrade failed' : 'Install complete'),
      status,
    },
    chart: {
      metadata: { name: o.chart, version: o.version, appVersion: o.version, apiVersion: 'v2' },
      templates: [],
      values: {},
    },
    config: o.config ?? {},
    manifest: o.manifest ?? '',
  }
  const release = gzipSync(Buffer.from(JSON.stringify(record))).toString('base64')
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: `sh.helm.release.v1.${o.release}.v${revision}`,
      namespace: o.namespace,
      labels: { name: o.release, owner: 'helm', status, version: String(revision) },
    },
    type: 'helm.sh/release.v1',
    data: { release: Buffer.from(release).toString('base64') },
  }
}

/** The release record inside a helm release Secret (as helm wrote it): status, chart, config. */
export function readHelmRelease(secret: { data?: { release?: string } }): {
  version: number
  info: { status: string; description: string }
  chart: { metadata: { name: string; version: string } }
  config: Record<string, unknown>
} {
  const inner = Buffer.from(Buffer.from(secret.data?.release ?? '', 'base64').toString('utf8'), 'base64')
  // helm gzips the record (magic 1f 8b); older writers did not.
  const json = inner[0] === 0x1f && inner[1] === 0x8b ? gunzipSync(inner).toString('utf8') : inner.toString('utf8')
  return JSON.parse(json) as ReturnType<typeof readHelmRelease>
}
