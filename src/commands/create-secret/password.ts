import { UsageError } from '../../core/errors.js'
import { DEFAULT_DOCKER_SERVER, type RegistryAuth } from '../../core/credentials/registry-secret.js'
import { fromDockerConfig } from './docker-config.js'
import type { CreateSecretDeps, PasswordSource } from './types.js'

/** What the credential flags are called (create-secret's, or mirror's `--src-*` and `--dest-*`). */
export interface CredentialFlags {
  stdin: string
  password: string
  dockerConfig: string
  username: string
  server: string
  /** The environment variable that may hold the password. */
  env: string
}

export const CREATE_SECRET_FLAGS: CredentialFlags = {
  stdin: '--password-stdin',
  password: '--docker-password',
  dockerConfig: '--from-docker-config',
  username: '--docker-username',
  server: '--docker-server',
  env: 'CFPULL_REGISTRY_PASSWORD',
}

/** The credential options as a command holds them, whatever its flags are called. */
export interface CredentialOptions {
  server?: string
  username?: string
  email?: string
  passwordStdin: boolean
  password?: string
  /** A docker config.json; `true` means Docker's default file. */
  fromDockerConfig?: string | true
}

/** Whether any source of a password is given (flags or the environment variable). */
export function credentialsGiven(
  opts: CredentialOptions,
  env: Record<string, string | undefined>,
  flags: CredentialFlags,
): boolean {
  return (
    opts.passwordStdin ||
    opts.password !== undefined ||
    opts.fromDockerConfig !== undefined ||
    opts.username !== undefined ||
    !!env[flags.env]
  )
}

/**
 * Where the password comes from. Explicit flags win over the environment: --password-stdin,
 * then --docker-password, then --from-docker-config, then $CFPULL_REGISTRY_PASSWORD (or the
 * `flags` a command names them with); every source that lost is a warning naming the winner.
 */
export async function resolveAuth(
  opts: CredentialOptions,
  deps: Pick<CreateSecretDeps, 'run' | 'readStdin' | 'env' | 'prompt'>,
  notes: string[],
  flags: CredentialFlags = CREATE_SECRET_FLAGS,
): Promise<{ auth: RegistryAuth; source: PasswordSource; prompted: boolean }> {
  const sourceNames: Record<PasswordSource, string> = {
    stdin: flags.stdin,
    flag: flags.password,
    'docker-config': flags.dockerConfig,
    env: `$${flags.env}`,
  }
  const given: PasswordSource[] = []
  if (opts.passwordStdin) given.push('stdin')
  if (opts.password !== undefined) given.push('flag')
  if (opts.fromDockerConfig !== undefined) given.push('docker-config')
  if (deps.env[flags.env]) given.push('env')
  const source = given[0]
  if (!source)
    throw new UsageError(
      `no registry password: pipe it to ${flags.stdin}, set ${flags.env}, or pass ${flags.dockerConfig} [~/.docker/config.json]`,
    )
  for (const lost of given.slice(1))
    notes.push(`${sourceNames[lost]} ignored: the password came from ${sourceNames[source]}, which wins over it`)

  const email = opts.email ? { email: opts.email } : {}
  if (source === 'docker-config')
    return { ...(await fromDockerConfig(opts, deps, notes, flags)), source, prompted: false }
  const server = opts.server ?? DEFAULT_DOCKER_SERVER
  const username = need(opts.username, flags)
  if (source === 'stdin') {
    if (deps.prompt) {
      const password = await deps.prompt('Password: ')
      return { auth: { server, username, password, ...email }, source, prompted: true }
    }
    const input = await deps.readStdin()
    return { auth: { server, username, password: input.replace(/\r?\n$/, ''), ...email }, source, prompted: false }
  }
  const password = source === 'flag' ? opts.password! : deps.env[flags.env]!
  return { auth: { server, username, password, ...email }, source, prompted: false }
}

function need(username: string | undefined, flags: CredentialFlags): string {
  if (!username) throw new UsageError(`${flags.username} is required`)
  return username
}
