import { UsageError } from '../../core/errors.js'
import { DEFAULT_DOCKER_SERVER, type RegistryAuth } from '../../core/credentials/registry-secret.js'
import { fromDockerConfig } from './docker-config.js'
import type { CreateSecretDeps, CreateSecretOptions, PasswordSource } from './types.js'

const PASSWORD_ENV = 'CFPULL_REGISTRY_PASSWORD'

const SOURCE_NAMES: Record<PasswordSource, string> = {
  stdin: '--password-stdin',
  flag: '--docker-password',
  'docker-config': '--from-docker-config',
  env: `$${PASSWORD_ENV}`,
}

/**
 * Where the password comes from. Explicit flags win over the environment: --password-stdin,
 * then --docker-password, then --from-docker-config, then $CFPULL_REGISTRY_PASSWORD; every source
 * that lost is a warning naming the winner.
 */
export async function resolveAuth(
  opts: CreateSecretOptions,
  deps: CreateSecretDeps,
  notes: string[],
): Promise<{ auth: RegistryAuth; source: PasswordSource; prompted: boolean }> {
  const given: PasswordSource[] = []
  if (opts.passwordStdin) given.push('stdin')
  if (opts.password !== undefined) given.push('flag')
  if (opts.fromDockerConfig !== undefined) given.push('docker-config')
  if (deps.env[PASSWORD_ENV]) given.push('env')
  const source = given[0]
  if (!source)
    throw new UsageError(
      `no registry password: pipe it to --password-stdin, set ${PASSWORD_ENV}, or pass --from-docker-config [~/.docker/config.json]`,
    )
  for (const lost of given.slice(1))
    notes.push(`${SOURCE_NAMES[lost]} ignored: the password came from ${SOURCE_NAMES[source]}, which wins over it`)

  const email = opts.email ? { email: opts.email } : {}
  if (source === 'docker-config') return { ...(await fromDockerConfig(opts, deps, notes)), source, prompted: false }
  const server = opts.server ?? DEFAULT_DOCKER_SERVER
  const username = need(opts.username)
  if (source === 'stdin') {
    if (deps.prompt) {
      const password = await deps.prompt('Password: ')
      return { auth: { server, username, password, ...email }, source, prompted: true }
    }
    const input = await deps.readStdin()
    return { auth: { server, username, password: input.replace(/\r?\n$/, ''), ...email }, source, prompted: false }
  }
  const password = source === 'flag' ? opts.password! : deps.env[PASSWORD_ENV]!
  return { auth: { server, username, password, ...email }, source, prompted: false }
}

function need(username: string | undefined): string {
  if (!username) throw new UsageError('--docker-username is required')
  return username
}
