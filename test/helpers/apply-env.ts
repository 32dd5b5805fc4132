// The state every apply test starts from: a real, working install on the loopback API server.
// A release that exists (a helm release record), the registry Secret with Docker Hub
// credentials in every namespace, a patched values file, pods and plugins as they run. Each
// test then breaks exactly one thing, so no check can pass because another failed first.
import { cpSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterEach, beforeEach, expect } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { startCluster } from './cluster.js'
import { replicaSetsOf, type FakeApiServer } from './fake-apiserver.js'
import { helmReleaseSecret } from './helm-release.js'
import { kubectlEntry, pullSecret } from './pull-secret.js'
import { recordingRunner, type RecordedCall } from './recording-runner.js'
import { runCli } from './run-cli.js'
import { toolPath } from './tools.js'

export const chart = join(import.meta.dirname, '../fixtures/chart')
/** A password that must never show up in any output. */
export const PASSWORD = 'pa55-w0rd-never-printed'

// Plugins run where the connector says; without it the chart default (spaceone-plugin) applies.
export const connectorNamespace =
  'supervisor:\n  application_scheduler:\n    CONNECTORS:\n      KubernetesConnector:\n        namespace: cloudforet-plugin\n'

/** `apply` of the release cloudforet in spaceone from `values` and the fixture chart: how every apply test's line starts. */
export const applyArgs = (values: string) => ['apply', '-n', 'spaceone', '-f', values, '--chart', chart]

/** A record of the release the apply tests upgrade: cloudforet in spaceone, revision 1, deployed, spaceone-mini-0.1.0. */
export const releaseRecord = (o: Partial<Parameters<typeof helmReleaseSecret>[0]> = {}) =>
  helmReleaseSecret({ release: 'cloudforet', namespace: 'spaceone', chart: 'spaceone-mini', version: '0.1.0', ...o })

/**
 * The release cloudforet as `helm install` leaves it: every object of the rendered manifest, stamped
 * with the owner helm checks before it adopts or updates, and the release record holding that manifest.
 */
export function seedHelmInstall(api: FakeApiServer, manifest: string): void {
  for (const doc of parseAllDocuments(manifest)) {
    const o = doc.toJS() as {
      metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }
    } | null
    if (!o) continue
    o.metadata ??= {}
    o.metadata.labels = { ...o.metadata.labels, 'app.kubernetes.io/managed-by': 'Helm' }
    o.metadata.annotations = {
      ...o.metadata.annotations,
      'meta.helm.sh/release-name': 'cloudforet',
      'meta.helm.sh/release-namespace': 'spaceone',
    }
    api.seed(o)
  }
  api.seed(releaseRecord({ manifest }))
}

/** my-credential with the robot's credentials for each server (Docker Hub by default). */
export const registrySecret = (
  namespace: string,
  servers = ['https://index.docker.io/v1/'],
  type = 'kubernetes.io/dockerconfigjson',
) => pullSecret(namespace, Object.fromEntries(servers.map((s) => [s, kubectlEntry('robot', PASSWORD)])), { type })

/** my-credential in cloudforet and cloudforet-plugin replaced by one with the robot's credentials for `servers`. */
export function replaceRegistrySecrets(api: FakeApiServer, servers: string[]): void {
  for (const ns of ['cloudforet', 'cloudforet-plugin']) {
    api.objects.delete(`Secret/${ns}/my-credential`)
    api.seed(registrySecret(ns, servers))
  }
}

/** A pod as the kubelet reports it: running, or waiting to pull. */
export const pod = (
  namespace: string,
  name: string,
  o: { labels?: Record<string, string>; owner?: { kind: string; name: string }; waiting?: string } = {},
) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name,
    namespace,
    labels: o.labels ?? {},
    ...(o.owner && {
      ownerReferences: [{ apiVersion: 'apps/v1', kind: o.owner.kind, name: o.owner.name, uid: 'u', controller: true }],
    }),
  },
  spec: { containers: [{ name: 'c', image: 'cloudforet/x:1' }] },
  status: {
    phase: o.waiting ? 'Pending' : 'Running',
    containerStatuses: [
      {
        name: 'c',
        image: 'cloudforet/x:1',
        ready: !o.waiting,
        restartCount: 0,
        state: o.waiting
          ? { waiting: { reason: o.waiting, message: 'Back-off pulling image "cloudforet/x:1"' } }
          : { running: { startedAt: '2026-01-01T00:00:00Z' } },
      },
    ],
  },
})

/** A plugin as the supervisor makes it: a Deployment and a Service of one name, labelled alike. */
export const plugin = (
  id: string,
  secrets: string[],
  namespace = 'cloudforet-plugin',
  o: { version?: string; name?: string; image?: string } = {},
) => {
  const version = o.version ?? '1.0'
  const name = o.name ?? `${id}-a1b2c3`
  const labels = {
    supervisor_name: 'root',
    domain_id: 'domain-1',
    plugin_id: id,
    version,
    resource_type: 'inventory.Collector',
  }
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace, labels, annotations: { 'spaceone.supervisor.name': 'root' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { plugin_id: id, version } },
        template: {
          metadata: { labels },
          spec: {
            containers: [{ name, image: o.image ?? `cloudforet/${id}:${version}` }],
            ...(secrets.length && { imagePullSecrets: secrets.map((s) => ({ name: s })) }),
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name,
        namespace,
        labels,
        annotations: {
          'spaceone.supervisor.name': 'root',
          'spaceone.supervisor.plugin.endpoint': `grpc://${name}:50051`,
        },
      },
      spec: { selector: { plugin_id: id, version }, ports: [{ port: 50051, targetPort: 50051, protocol: 'TCP' }] },
    },
  ]
}

/** A pod of a Deployment as its controllers make it: owned by the Deployment's newest ReplicaSet. */
export const podOf = (api: FakeApiServer, namespace: string, deployment: string, name: string, waiting?: string) => {
  const rs = replicaSetsOf(api, namespace, deployment)[0]
  if (!rs) throw new Error(`no ReplicaSet of deployment ${namespace}/${deployment}: seed the Deployment first`)
  const p = pod(namespace, name, {
    labels: rs.spec.template.metadata.labels,
    ...(waiting && { waiting }),
  })
  p.metadata.ownerReferences = [
    { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata.name, uid: rs.metadata.uid, controller: true },
  ]
  return p
}

export interface ApplyEnv {
  api: FakeApiServer
  dir: string
  kubeconfig: string
  values: string
  env: Record<string, string>
  /**
   * `pullCheck: true` runs the registry pull check, which the Docker Hub install here cannot pass;
   * `after` runs once each tool call has returned (a writer working beside apply).
   */
  apply(
    args: string[],
    o?: { env?: Record<string, string>; pullCheck?: boolean; after?: (call: RecordedCall) => void },
  ): Promise<ApplyRun>
  tidy(s: string): string
  /**
   * Makes revision 1 a real install: the chart rendered with the values as they were before the
   * patch, every object of it in the cluster (so each Deployment has its ReplicaSet) and in the
   * release record's manifest, as `helm install` leaves them.
   */
  install(): Promise<void>
  /** Runs the pinned helm against the loopback server (to install, or to look). */
  helm(args: string[]): Promise<string>
  /**
   * A chart repository on 127.0.0.1 serving the test chart packaged at each of `versions` (so an
   * unpinned upgrade would move to the newest one); its URL. Closed after the test.
   */
  chartRepo(versions: string[]): Promise<string>
}

export interface ApplyRun {
  code: number
  stdout: string
  stderr: string
  calls: RecordedCall[]
}

/** Registers the beforeEach/afterEach that build and tear down the working install; read `env` inside tests. */
export function useApplyEnv(): ApplyEnv {
  const e = {} as ApplyEnv
  let repo: Server | undefined
  beforeEach(async () => {
    Object.assign(e, await startCluster(['default', 'spaceone', 'cloudforet', 'cloudforet-plugin'], { helm: true }))
    e.api.seed(releaseRecord())
    e.api.seed(registrySecret('cloudforet'))
    e.api.seed(registrySecret('cloudforet-plugin'))
    e.values = join(e.dir, 'values.yaml')
    const unpatched = readFileSync(join(chart, 'override.yaml'), 'utf8') + connectorNamespace
    writeFileSync(e.values, unpatched)
    e.install = async () => {
      const before = join(e.dir, 'values-before-patch.yaml')
      writeFileSync(before, unpatched)
      seedHelmInstall(e.api, await e.helm(['template', 'cloudforet', chart, '-n', 'spaceone', '-f', before]))
    }
    expect((await runCli(['patch', e.values, '--secret', 'my-credential', '-q'])).code).toBe(0)
    e.apply = async (args, o = {}) => {
      const rec = recordingRunner(o.after)
      // The install's images are on Docker Hub, which tests cannot reach: the pull check (tested
      // against real registries in apply-pull.test.ts) is skipped here, as on such a runner.
      const skip = o.pullCheck ? [] : ['--no-pull-check']
      const r = await runCli([...applyArgs(e.values), '--kubeconfig', e.kubeconfig, ...skip, ...args], {
        run: rec.run,
        env: { CFPULL_KUBECTL: toolPath('kubectl'), CFPULL_HELM: toolPath('helm'), ...o.env },
      })
      // Whatever happened, the password never reached an output.
      expect(r.stdout + r.stderr).not.toContain(PASSWORD)
      return { ...r, calls: rec.calls }
    }
    e.tidy = (s) =>
      s
        .replaceAll(e.dir, '<tmp>')
        .replaceAll(chart, '<chart>')
        .replaceAll(toolPath('kubectl'), 'kubectl')
        .replaceAll(toolPath('helm'), 'helm')
        .replace(/\(\d+\.\ds\)/g, '(t)')
    e.helm = async (args) => {
      const { execa } = await import('execa')
      const r = await execa(toolPath('helm'), [...args, '--kubeconfig', e.kubeconfig], {
        env: { ...e.env, HOME: e.dir, NO_COLOR: '1' },
        extendEnv: false,
        reject: false,
      })
      if (r.exitCode !== 0) throw new Error(`helm ${args.join(' ')}: ${r.stderr}`)
      return r.stdout
    }
    e.chartRepo = async (versions) => {
      const dir = join(e.dir, 'repo')
      for (const version of versions) {
        const src = join(e.dir, `chart-${version}`)
        cpSync(chart, src, { recursive: true })
        const file = join(src, 'Chart.yaml')
        writeFileSync(file, readFileSync(file, 'utf8').replace(/^version: .*$/m, `version: ${version}`))
        await e.helm(['package', src, '-d', dir])
      }
      const server = createServer((req, res) => {
        const name = decodeURIComponent((req.url ?? '/').slice(1))
        if (!readdirSync(dir).includes(name)) return void res.writeHead(404).end()
        res.writeHead(200).end(readFileSync(join(dir, name)))
      })
      repo = server
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      await e.helm(['repo', 'index', dir, '--url', url])
      return url
    }
  })
  afterEach(async () => {
    await new Promise<void>((resolve) => (repo ? repo.close(() => resolve()) : resolve()))
    repo = undefined
  })
  return e
}
