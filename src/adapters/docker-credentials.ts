// Docker's config file and credential helpers, read the way the docker CLI reads them.
//
// Helper protocol (github.com/docker/docker-credential-helpers, client.Get): run
// `docker-credential-<name> get`, write the server URL to its stdin, read
// `{"ServerURL","Username","Secret"}` from its stdout. A non-zero exit with the message
// "credentials not found in native keychain" on stdout means "nothing stored for that server";
// any other failure is an error. Username `<token>` means Secret is an identity token.
import { homedir } from 'node:os'
import { join } from 'node:path'
import { CfpullError, ExitCode, FileError, ToolNotFoundError } from '../core/errors.js'
import { DockerConfigError } from '../core/credentials/registry-secret.js'
import { readText } from './files.js'
import type { Runner } from './run.js'

/** Where Docker keeps its config: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
export function defaultDockerConfigPath(env: Record<string, string | undefined>): string {
  if (env.DOCKER_CONFIG) return join(env.DOCKER_CONFIG, 'config.json')
  return join(env.HOME || homedir(), '.docker', 'config.json')
}

/** The config file's text; a missing or unreadable file is exit 3, naming the path. */
export async function readDockerConfigText(file: string): Promise<string> {
  try {
    return await readText(file)
  } catch (err) {
    if (err instanceof FileError)
      throw new DockerConfigError(
        file,
        err.message.slice(file.length + 2),
        'run docker login first, or name the file: --from-docker-config FILE',
      )
    throw err
  }
}

export type HelperAnswer = { found: true; username: string; secret: string; identityToken: boolean } | { found: false }

/** A credential helper failed (exit 4, like any tool that ran and failed). */
export class CredentialHelperError extends CfpullError {
  constructor(
    readonly helper: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message, ExitCode.ToolFailed)
  }
}

const NOT_FOUND = /credentials not found/i

/** `docker-credential-<name> get` for one server URL. */
export async function helperGet(run: Runner, name: string, serverUrl: string): Promise<HelperAnswer> {
  const bin = `docker-credential-${name}`
  let r
  try {
    r = await run(bin, ['get'], { input: serverUrl, timeout: 30_000 })
  } catch (err) {
    if (err instanceof ToolNotFoundError)
      throw new ToolNotFoundError(
        bin,
        `the docker config names the credential helper "${name}"; install ${bin} on PATH, or pass the password with --password-stdin`,
      )
    throw err
  }
  const out = r.stdout.trim()
  if (r.exitCode !== 0) {
    if (NOT_FOUND.test(out) || NOT_FOUND.test(r.stderr)) return { found: false }
    const detail = (r.stderr.trim() || out).split('\n').pop() ?? ''
    throw new CredentialHelperError(
      name,
      `${bin} get exited with ${r.exitCode} for ${serverUrl}${detail ? `: ${detail}` : ''}`,
      `check that ${bin} works here (e.g. unlocked keychain), or pass the password with --password-stdin`,
    )
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(out)
  } catch {
    throw new CredentialHelperError(name, `${bin} get printed something that is not JSON for ${serverUrl}`)
  }
  const p = (parsed ?? {}) as { Username?: unknown; Secret?: unknown }
  const username = typeof p.Username === 'string' ? p.Username : ''
  const secret = typeof p.Secret === 'string' ? p.Secret : ''
  if (!secret) return { found: false }
  return { found: true, username, secret, identityToken: username === '<token>' }
}
