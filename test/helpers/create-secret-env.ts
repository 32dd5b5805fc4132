// What every create-secret test against a cluster sets up: the loopback API server with its
// namespaces and a kubeconfig (startCluster), the CLI run in-process with the real kubectl through
// a recording runner, and the reads of what the server stored. One place, so the tests say only
// what differs: their flags, their Secret, their assertions.
import { startCluster, type TestCluster } from './cluster.js'
import { recordingRunner, type RecordedCall } from './recording-runner.js'
import { runCli, type CliRun } from './run-cli.js'
import { toolPath } from './tools.js'

/** The Secret every create-secret test writes. */
export const SECRET_NAME = 'my-credential'

/** --docker-server and --docker-username of the registry most tests write for. */
export const HARBOR_ROBOT = ['--docker-server', 'harbor.example.com', '--docker-username', 'robot']

export interface CreateSecretIo {
  /** What stdin holds (the password for --password-stdin). Default: the env's `stdin`, else empty. */
  stdin?: string
  env?: Record<string, string>
}

export interface CreateSecretEnv extends TestCluster {
  /**
   * `cfpull create-secret --name my-credential <defaults> <args> --kubeconfig <kubeconfig>`, with
   * CFPULL_KUBECTL set to the pinned kubectl; `calls` are the tool calls it made. Reads
   * `kubeconfig` when it runs, so a test may point it elsewhere.
   */
  createSecret(args: string[], io?: CreateSecretIo): Promise<CliRun & { calls: RecordedCall[] }>
  /** The stored Secret's type and decoded `.dockerconfigjson`, or undefined when there is none. */
  stored(namespace: string): { type: string; config: { auths: Record<string, Record<string, string>> } } | undefined
  /** The stored Secret's `auths` (it must exist). */
  auths(namespace: string): Record<string, Record<string, string>>
  /** `METHOD path` of every request that could change something, in order. */
  writes(): string[]
}

/**
 * A cluster with `namespaces` (default: default, cloudforet, cloudforet-plugin) and a create-secret
 * runner whose every call starts with `defaults` (e.g. HARBOR_ROBOT, --no-verify) and feeds `stdin`.
 */
export async function createSecretEnv(
  o: { namespaces?: string[]; helm?: boolean; defaults?: string[]; stdin?: string } = {},
): Promise<CreateSecretEnv> {
  const cluster = await startCluster(o.namespaces ?? ['default', 'cloudforet', 'cloudforet-plugin'], {
    ...(o.helm && { helm: true }),
  })
  const env: CreateSecretEnv = {
    ...cluster,
    async createSecret(args, io = {}) {
      const rec = recordingRunner()
      const r = await runCli(
        ['create-secret', '--name', SECRET_NAME, ...(o.defaults ?? []), ...args, '--kubeconfig', env.kubeconfig],
        {
          run: rec.run,
          stdin: io.stdin ?? o.stdin ?? '',
          env: { CFPULL_KUBECTL: toolPath('kubectl'), ...io.env },
        },
      )
      return { ...r, calls: rec.calls }
    },
    stored(namespace) {
      const secret = cluster.api.get('Secret', namespace, SECRET_NAME)
      if (!secret) return undefined
      const config = JSON.parse(Buffer.from(secret.data['.dockerconfigjson'], 'base64').toString()) as {
        auths: Record<string, Record<string, string>>
      }
      return { type: secret.type as string, config }
    },
    auths(namespace) {
      return env.stored(namespace)!.config.auths
    },
    writes() {
      return cluster.api.writes().map((r) => `${r.method} ${r.path}`)
    },
  }
  return env
}
