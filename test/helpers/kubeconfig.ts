import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stringify } from 'yaml'

export interface KubeconfigOptions {
  /** Context (and cluster/user name prefix). Default `fake`. */
  context?: string
  /** Bearer token of the user. Default `fake-token`. */
  token?: string
  /** Default namespace of the context; omitted when not given (kubectl then uses `default`). */
  namespace?: string
  /** File name inside `dir`. Default `kubeconfig`. */
  fileName?: string
}

/**
 * Writes a kubeconfig pointing at `serverUrl` (plain http, token user) and returns its path.
 * Pass the path with `--kubeconfig`, and run kubectl with {@link kubectlEnv} so nothing reads or
 * writes ~/.kube.
 */
export function writeKubeconfig(dir: string, serverUrl: string, options: KubeconfigOptions = {}): string {
  const context = options.context ?? 'fake'
  const cluster = `${context}-cluster`
  const user = `${context}-user`
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [{ name: cluster, cluster: { server: serverUrl } }],
    users: [{ name: user, user: { token: options.token ?? 'fake-token' } }],
    contexts: [
      {
        name: context,
        context: { cluster, user, ...(options.namespace !== undefined ? { namespace: options.namespace } : {}) },
      },
    ],
    'current-context': context,
  }
  mkdirSync(dir, { recursive: true })
  const path = join(dir, options.fileName ?? 'kubeconfig')
  writeFileSync(path, stringify(config), { mode: 0o600 })
  return path
}

/**
 * A complete environment for a kubectl child process (use with execa `extendEnv: false`): HOME and
 * the discovery/http cache point into `dir`, and nothing from the developer's shell (KUBECONFIG,
 * KUBECTL_* feature flags, proxies, editors) leaks in.
 */
export function kubectlEnv(dir: string): Record<string, string> {
  return { HOME: dir, KUBECACHEDIR: join(dir, '.kube-cache') }
}
