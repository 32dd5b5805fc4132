import { gzipSync } from 'node:zlib'

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
}): object {
  const revision = o.revision ?? 1
  const now = new Date().toISOString()
  const record = {
    name: o.release,
    namespace: o.namespace,
    version: revision,
    info: { first_deployed: now, last_deployed: now, deleted: '', description: 'Install complete', status: 'deployed' },
    chart: {
      metadata: { name: o.chart, version: o.version, appVersion: o.version, apiVersion: 'v2' },
      templates: [],
      values: {},
    },
    config: {},
    manifest: '',
  }
  const release = gzipSync(Buffer.from(JSON.stringify(record))).toString('base64')
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: `sh.helm.release.v1.${o.release}.v${revision}`,
      namespace: o.namespace,
      labels: { name: o.release, owner: 'helm', status: 'deployed', version: String(revision) },
    },
    type: 'helm.sh/release.v1',
    data: { release: Buffer.from(release).toString('base64') },
  }
}
