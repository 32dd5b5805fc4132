import { defaultDockerConfigPath, helperGet, readDockerConfigText } from '../../adapters/docker-credentials.js'
import { UsageError } from '../../core/errors.js'
import {
  DockerConfigError,
  dockerConfigRegistries,
  parseDockerConfig,
  planDockerCredentials,
  type RegistryAuth,
} from '../../core/credentials/registry-secret.js'
import type { CredentialFlags, CredentialOptions } from './password.js'
import type { CreateSecretDeps } from './types.js'

/** Credentials as `docker pull` would find them: credHelpers[host], then credsStore, then auths. */
export async function fromDockerConfig(
  opts: CredentialOptions,
  deps: Pick<CreateSecretDeps, 'run' | 'env'>,
  notes: string[],
  flags: CredentialFlags,
): Promise<{ auth: RegistryAuth }> {
  const file =
    opts.fromDockerConfig === true || opts.fromDockerConfig === undefined
      ? defaultDockerConfigPath(deps.env)
      : opts.fromDockerConfig
  const config = parseDockerConfig(await readDockerConfigText(file), file)
  let server = opts.server
  if (!server) {
    const registries = dockerConfigRegistries(config)
    if (registries.length === 0)
      throw new DockerConfigError(file, 'holds credentials for no registry', 'run docker login first')
    if (registries.length > 1)
      throw new UsageError(
        `${file} holds credentials for ${registries.length} registries (${registries.join(', ')}): pass ${flags.server} with the one this Secret is for`,
      )
    server = registries[0]!
  }
  const plan = planDockerCredentials(config, server)
  let found: { username: string; password: string } | undefined
  if (plan.helper) {
    const bin = `docker-credential-${plan.helper.name}`
    for (const url of plan.helperServerUrls) {
      const answer = await helperGet(deps.run, plan.helper.name, url)
      if (!answer.found) continue
      if (answer.identityToken)
        throw new DockerConfigError(
          file,
          `${bin} holds an identity token for ${server}, not a password; the kubelet cannot log in with it`,
          `create a token or robot account with a password for the registry and pass it with ${flags.stdin}`,
        )
      found = { username: answer.username, password: answer.secret }
      break
    }
    if (found && plan.inline)
      notes.push(
        `${file}: the auths entry for ${server} also holds a password; ${bin} (from ${plan.helper.from}) wins over it, as in Docker`,
      )
    if (!found && plan.inline) {
      notes.push(`${bin} (from ${plan.helper.from}) has no credentials for ${server}; using the auths entry in ${file}`)
      found = plan.inline
    }
    if (!found)
      throw new DockerConfigError(
        file,
        `${bin} (from ${plan.helper.from}) has no credentials for ${server} (asked for ${plan.helperServerUrls.join(', ')})`,
        `run docker login ${server}, or pass the password with ${flags.stdin}`,
      )
  } else if (plan.inline) found = plan.inline
  else if (plan.identityToken)
    throw new DockerConfigError(
      file,
      `the auths entry for ${server} holds an identity token, not a password; the kubelet cannot log in with it`,
      `pass a password or access token with ${flags.stdin}`,
    )
  else if (plan.authsKey)
    throw new DockerConfigError(
      file,
      `the auths entry for ${server} has no username and password`,
      `run docker login again, or pass ${flags.stdin}`,
    )
  else
    throw new DockerConfigError(
      file,
      `has no credentials for ${server} (it has: ${dockerConfigRegistries(config).join(', ') || 'none'})`,
      `run docker login ${server}, or pass ${flags.server} with one of those`,
    )
  if (opts.username && opts.username !== found.username)
    throw new UsageError(
      `${flags.username} ${opts.username} does not match the user ${found.username} stored for ${server} in ${file}`,
    )
  const email = opts.email ?? plan.email
  return { auth: { server, username: found.username, password: found.password, ...(email && { email }) } }
}
