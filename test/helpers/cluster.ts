// The cluster a test talks to: the loopback API server with the namespaces it needs, a kubeconfig
// pointing at it in the test's own temp dir, and kubectl's (with `helm`, also helm's) cache and
// config there too, so no run reads or writes the developer's home. Call it from a beforeEach or
// a test; everything is torn down when that test finishes.
import { join } from 'node:path'
import { onTestFinished, vi } from 'vitest'
import { startFakeApiServer, type FakeApiServer } from './fake-apiserver.js'
import { writeKubeconfig } from './kubeconfig.js'
import { tempDir } from './tmp.js'

export interface TestCluster {
  api: FakeApiServer
  /** The test's temp dir; the kubeconfig and the caches are in it. */
  dir: string
  /** `<dir>/kubeconfig`, for `--kubeconfig`. */
  kubeconfig: string
  /** What was stubbed into process.env for the test: KUBECACHEDIR, and HELM_*_HOME with `helm`. */
  env: Record<string, string>
}

export async function startCluster(namespaces: string[], o: { helm?: boolean } = {}): Promise<TestCluster> {
  const dir = tempDir()
  const env: Record<string, string> = { KUBECACHEDIR: join(dir, 'kcache') }
  if (o.helm)
    Object.assign(env, {
      HELM_CACHE_HOME: join(dir, 'hc'),
      HELM_CONFIG_HOME: join(dir, 'hg'),
      HELM_DATA_HOME: join(dir, 'hd'),
    })
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v)
  const api = await startFakeApiServer({ namespaces })
  onTestFinished(async () => {
    vi.unstubAllEnvs()
    await api.close()
  })
  return { api, dir, kubeconfig: writeKubeconfig(dir, api.url), env }
}

/**
 * A pod of the release cloudforet as the kubelet reports it: one container `main` running `image`,
 * or, with `waiting` (ImagePullBackOff, ErrImagePull), stuck pulling it.
 */
export const cloudforetPod = (namespace: string, name: string, image: string, secrets: string[], waiting?: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, labels: { 'app.kubernetes.io/instance': 'cloudforet' } },
  spec: {
    containers: [{ name: 'main', image }],
    ...(secrets.length && { imagePullSecrets: secrets.map((n) => ({ name: n })) }),
  },
  status: {
    phase: 'Pending',
    containerStatuses: [
      {
        name: 'main',
        image,
        ready: false,
        restartCount: 0,
        imageID: '',
        state: waiting
          ? { waiting: { reason: waiting, message: `Back-off pulling image "${image}"` } }
          : { running: {} },
      },
    ],
  },
})

/** A Linux node of `architecture` (amd64, arm64): what the pull check reads for the platforms an image needs. */
export const linuxNode = (name: string, architecture: string) => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name },
  status: { nodeInfo: { operatingSystem: 'linux', architecture } },
})

/** A Deployment of one replica whose pods (labelled app: `name`) run `podSpec`. */
export const deploymentOf = (namespace: string, name: string, labels: Record<string, string>, podSpec: object) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace, labels },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: podSpec },
  },
})
