import { readText } from '../../adapters/files.js'
import { RegistryClient, registryEndpoint, type LoginCheck } from '../../adapters/registry.js'
import { CfpullError, ExitCode } from '../../core/errors.js'
import type { RegistryAuth } from '../../core/credentials/registry-secret.js'
import { commandLine } from '../../core/fix-command.js'
import type { CreateSecretDeps, CreateSecretOptions } from './types.js'

/** The registry answered 401/403 to these credentials (exit 5); nothing was written. */
export class RegistryRejectedError extends CfpullError {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message, ExitCode.CheckFailed)
  }
}

/**
 * Logs in to the registry with the credentials about to be written. Accepted is a fact (info),
 * not asking or not answering is a warning (notes), rejected stops the run before any write.
 */
export async function checkLogin(
  auth: RegistryAuth,
  opts: CreateSecretOptions,
  deps: CreateSecretDeps,
  notes: string[],
  info: string[],
): Promise<LoginCheck> {
  const ca = opts.registryCa ? [await readText(opts.registryCa)] : undefined
  const client = new RegistryClient(auth.server, {
    credentials: { username: auth.username, password: auth.password },
    ...(ca && { ca }),
    env: deps.env,
  })
  const check = await client.checkLogin()
  const host = client.host
  switch (check.result) {
    case 'accepted':
      info.push(
        `${host} accepted the credentials of ${auth.username} (${check.scheme === 'basic' ? 'Basic auth' : 'Bearer token'})`,
      )
      break
    case 'no-auth':
      notes.push(
        `${host} answers without asking for credentials, so they could not be checked; the Secret is written anyway`,
      )
      break
    case 'rejected': {
      const by = check.by === 'token service' ? `the token service of ${host}` : host
      throw new RegistryRejectedError(
        `the registry rejected these credentials: ${by} answered ${check.status} for user ${auth.username}; nothing was changed`,
        'check --docker-username and the password (robot accounts need their full name, e.g. robot$project+ci); --no-verify skips this check',
      )
    }
    case 'unverified':
      notes.push(
        `could not check the credentials with ${host} (${check.detail}); the Secret is written anyway${
          check.reason === 'tls'
            ? ': if the registry uses a private CA, pass --registry-ca FILE (or set NODE_EXTRA_CA_CERTS)'
            : ''
        }; --no-verify skips this check`,
      )
      break
  }
  return check
}

export function ecrNote(opts: CreateSecretOptions, server: string): string {
  const region = /\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws/.exec(registryEndpoint(server).host)?.[1] ?? '<region>'
  const ns = opts.values ? ['--values', opts.values] : opts.namespaces.flatMap((n) => ['-n', n])
  const target = [
    ...(opts.kubeconfig ? ['--kubeconfig', opts.kubeconfig] : []),
    ...(opts.context ? ['--context', opts.context] : []),
  ]
  const login = commandLine(['aws', 'ecr', 'get-login-password', '--region', region])
  const create = commandLine([
    'cfpull',
    'create-secret',
    '--name',
    opts.name,
    '--docker-server',
    server,
    '--docker-username',
    'AWS',
    '--password-stdin',
    ...ns,
    ...target,
  ])
  return `ECR passwords are tokens that expire after 12 hours: refresh the Secret before then (e.g. from a CronJob or CI schedule) with: ${login} | ${create}`
}
