import {
  applyServerSide,
  createFromManifest,
  createNamespace,
  deleteSecretAtVersion,
  getSecret,
  isWriteConflict,
  type ExistingSecret,
  type KubeTarget,
} from '../../adapters/kubectl.js'
import type { Runner } from '../../adapters/run.js'
import { CfpullError, ConflictError, ExitCode, type Finding } from '../../core/errors.js'
import { commandLine } from '../../core/fix-command.js'
import {
  combineDockerConfigs,
  droppedRegistries,
  existingSecretForms,
  mergeDockerConfigJson,
  readExistingSecret,
  registryKey,
  secretFromDockerConfigJson,
  type ExistingDockerConfig,
  type RegistryAuth,
} from '../../core/credentials/registry-secret.js'
import type { CreateSecretOptions, NamespaceAction, NamespaceResult } from './types.js'

const DOCKERCONFIGJSON = 'kubernetes.io/dockerconfigjson'
const DOCKERCFG = 'kubernetes.io/dockercfg'

/** What the cluster has in one target namespace, read before anything is written. */
export interface NamespaceState {
  namespace: string
  exists: boolean
  secret: ExistingSecret | null
}

/** Everything that would make a write fail or lose something, found before anything is written. */
export function preflight(states: NamespaceState[], opts: CreateSecretOptions): Finding[] {
  const findings: Finding[] = []
  for (const { namespace, exists, secret } of states) {
    if (!exists && !opts.createNamespace) {
      findings.push({
        message: `namespace ${namespace} does not exist`,
        fix: `add --create-namespace, or run: ${commandLine(['kubectl', ...kubectlFlags(opts), 'create', 'namespace', namespace])}`,
      })
      continue
    }
    if (!secret) continue
    if (secret.type !== DOCKERCONFIGJSON && !opts.replace) {
      const legacy = secret.type === DOCKERCFG && readExistingSecret(secret)
      const keeps =
        legacy && !('problem' in legacy)
          ? ` (its registries ${hostsOf(legacy).join(', ') || 'none'} are kept${opts.replaceAll ? ' unless --replace-all' : ''})`
          : ''
      findings.push({
        message: `Secret ${opts.name} in namespace ${namespace} has type ${secret.type}, not ${DOCKERCONFIGJSON}, and a Secret's type cannot be changed`,
        fix: `add --replace to delete it and create it as ${DOCKERCONFIGJSON}${keeps} (running pods are unaffected until they restart), or choose another --name`,
      })
      continue
    }
    // Another type with --replace: only a legacy .dockercfg holds registries to keep.
    if (secret.type !== DOCKERCONFIGJSON && secret.type !== DOCKERCFG) continue
    const existing = readExistingSecret(secret)
    if ('problem' in existing && !opts.replaceAll)
      findings.push({
        message: `Secret ${opts.name} in namespace ${namespace} ${existing.problem}, so its registries cannot be kept`,
        fix: 'add --replace-all to overwrite it with only the new registry',
      })
  }
  return findings
}

/** --kubeconfig and --context as given, for a kubectl line the user runs. */
function kubectlFlags(opts: CreateSecretOptions): string[] {
  return [
    ...(opts.kubeconfig ? ['--kubeconfig', opts.kubeconfig] : []),
    ...(opts.context ? ['--context', opts.context] : []),
  ]
}

/** How many times a write refused for a changed Secret is read, merged and tried again. */
export const WRITE_TRIES = 5

/** The readable registries of a Secret (a .dockerconfigjson, or a legacy .dockercfg), if any. */
function registriesOf(secret: ExistingSecret | null): ExistingDockerConfig | undefined {
  if (!secret || (secret.type !== DOCKERCONFIGJSON && secret.type !== DOCKERCFG)) return undefined
  const existing = readExistingSecret(secret)
  return 'problem' in existing ? undefined : existing
}

function hostsOf(config: ExistingDockerConfig): string[] {
  return [...new Set(Object.keys(config.auths).map(registryKey))]
}

/**
 * One namespace's write: the namespace if missing, then the Secret merged with the registries it
 * holds, written only if it is still the version that was read (server-side apply carrying that
 * resourceVersion; a create when there was none; a delete at that version to change its type).
 * When another writer got there first, the Secret is read again, merged again and tried again,
 * WRITE_TRIES times at most. A failure is this namespace's result, not the run's.
 */
export async function writeOne(
  state: NamespaceState,
  auth: RegistryAuth,
  opts: CreateSecretOptions,
  io: { write: Runner; read: Runner },
  target: KubeTarget,
  secrets: string[],
): Promise<NamespaceResult> {
  const { namespace } = state
  let secret = state.secret
  // The type of the Secret this run deleted, and what it held: kept in every later try.
  let deleted: { type: string; held?: ExistingDockerConfig } | undefined
  try {
    let namespaceCreated = false
    if (!state.exists) {
      await createNamespace(io.write, target, namespace)
      namespaceCreated = true
    }
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1) {
        secret = await getSecret(io.read, target, opts.name, namespace)
        secrets.push(...existingSecretForms(secret))
        const [problem] = preflight([{ namespace, exists: true, secret }], opts)
        if (problem)
          throw new CfpullError(
            `another writer changed it while cfpull was writing, and now: ${problem.message}; the Secret was not written (${problem.fix})`,
            ExitCode.InvalidInput,
          )
      }
      const current = registriesOf(secret)
      const held = deleted?.held && current ? combineDockerConfigs(deleted.held, current) : (current ?? deleted?.held)
      const merged = mergeDockerConfigJson(opts.replaceAll ? undefined : held, auth)
      const manifest = secretFromDockerConfigJson(opts.name, namespace, merged.json)
      secrets.push(manifest.data['.dockerconfigjson'])
      try {
        let action: NamespaceAction
        if (
          secret?.type === DOCKERCONFIGJSON &&
          secret.data['.dockerconfigjson'] === manifest.data['.dockerconfigjson']
        )
          // It holds exactly this already: no write, so nothing to conflict with either.
          action = 'unchanged'
        else {
          if (secret && secret.type !== DOCKERCONFIGJSON) {
            await deleteSecretAtVersion(io.write, target, opts.name, namespace, secret.resourceVersion)
            deleted = { type: secret.type, ...(held && { held }) }
            secret = null
          }
          if (secret) {
            const precondition = {
              ...manifest,
              metadata: { ...manifest.metadata, resourceVersion: secret.resourceVersion },
            }
            const after = await applyServerSide(io.write, target, namespace, JSON.stringify(precondition))
            action = after === secret.resourceVersion ? 'unchanged' : 'configured'
          } else {
            await createFromManifest(io.write, target, namespace, JSON.stringify(manifest))
            action = 'created'
          }
        }
        // Deleted on an earlier try, then found recreated by someone else: still a replacement.
        if (deleted) action = 'replaced'
        const dropped = opts.replaceAll && held ? droppedRegistries(held, merged.registries) : []
        return {
          namespace,
          action,
          registries: merged.registries,
          ...(dropped.length && { dropped }),
          ...(namespaceCreated && { namespaceCreated }),
          ...(deleted && { previousType: deleted.type }),
        }
      } catch (error) {
        if (!isWriteConflict(error)) throw error
        if (attempt === WRITE_TRIES)
          throw new ConflictError(
            `Secret ${opts.name} in namespace ${namespace} was changed by another writer each time cfpull read, merged and wrote it (${WRITE_TRIES} tries): it was not written, and what the other writer wrote is kept; run the same command again when that writer is done`,
          )
      }
    }
  } catch (error) {
    if (deleted && error instanceof CfpullError)
      return {
        namespace,
        action: 'failed',
        error: new CfpullError(
          `the old Secret ${opts.name} (type ${deleted.type}) was deleted, but creating the new one failed: ${error.message}; run the same command again${
            deleted.held && hostsOf(deleted.held).length
              ? `, and add again the registries the old one held (${hostsOf(deleted.held).join(', ')})`
              : ''
          }`,
          error.exitCode,
        ),
      }
    return { namespace, action: 'failed', error }
  }
}
