import { readText } from '../../adapters/files.js'
import { UsageError } from '../../core/errors.js'
import { secretForms, type RegistryAuth } from '../../core/credentials/registry-secret.js'
import { credentialsGiven, resolveAuth, type CredentialFlags } from '../create-secret/password.js'
import type { MirrorDeps, MirrorOptions, SideOptions } from './types.js'

export const SRC_FLAGS: CredentialFlags = {
  stdin: '--src-password-stdin',
  password: '--src-password',
  dockerConfig: '--src-from-docker-config',
  username: '--src-username',
  server: '--src-registry',
  env: 'CFPULL_SRC_PASSWORD',
}

export const DEST_FLAGS: CredentialFlags = {
  stdin: '--dest-password-stdin',
  password: '--dest-password',
  dockerConfig: '--dest-from-docker-config',
  username: '--dest-username',
  server: '--to',
  env: 'CFPULL_DEST_PASSWORD',
}

/** The credentials of both sides (each absent when anonymous), their CA files, every secret form. */
export interface MirrorCredentials {
  src?: RegistryAuth
  dest?: RegistryAuth
  srcCa?: string
  destCa?: string
  /** Every form of every password: withheld from skopeo's environment, redacted from its output. */
  secrets: string[]
}

/**
 * One stdin cannot carry two things: the image list and a password, or both passwords, is a
 * usage error (before anything is read). The credentials then come from the sources create-secret
 * reads (stdin, the docker config, the environment), in memory only.
 */
export function checkStdinUse(opts: MirrorOptions): void {
  if (opts.images === '-' && (opts.src.passwordStdin || opts.dest.passwordStdin))
    throw new UsageError(
      `--images - reads the list from stdin, so stdin cannot carry a password too (${opts.src.passwordStdin ? SRC_FLAGS.stdin : DEST_FLAGS.stdin}): use ${opts.src.passwordStdin ? SRC_FLAGS.env : DEST_FLAGS.env} or a docker config, or give the list as a file`,
    )
  if (opts.src.passwordStdin && opts.dest.passwordStdin)
    throw new UsageError(
      `stdin can carry one password: give the other with ${SRC_FLAGS.env} or ${SRC_FLAGS.dockerConfig} (or ${DEST_FLAGS.env} / ${DEST_FLAGS.dockerConfig})`,
    )
}

/** Both sides' credentials; call checkStdinUse first. */
export async function resolveMirrorCredentials(
  opts: MirrorOptions,
  srcServer: string,
  destServer: string,
  deps: MirrorDeps,
  notes: string[],
): Promise<MirrorCredentials> {
  const side = async (o: SideOptions, server: string, flags: CredentialFlags) =>
    credentialsGiven(o, deps.env, flags) ? (await resolveAuth({ ...o, server }, deps, notes, flags)).auth : undefined
  const src = await side(opts.src, srcServer, SRC_FLAGS)
  const dest = await side(opts.dest, destServer, DEST_FLAGS)
  const [srcCa, destCa] = await Promise.all([
    opts.src.ca !== undefined ? readText(opts.src.ca) : undefined,
    opts.dest.ca !== undefined ? readText(opts.dest.ca) : undefined,
  ])
  return {
    ...(src && { src }),
    ...(dest && { dest }),
    ...(srcCa !== undefined && { srcCa }),
    ...(destCa !== undefined && { destCa }),
    secrets: [...(src ? secretForms(src) : []), ...(dest ? secretForms(dest) : [])],
  }
}
