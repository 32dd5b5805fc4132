import {
  applyServerSide,
  createNamespace,
  deleteSecret,
  type ExistingSecret,
  type KubeTarget,
} from '../../adapters/kubectl.js'
import type { Runner } from '../../adapters/run.js'
import { CfpullError, type Finding } from '../../core/errors.js'
import { commandLine } from '../../core/fix-command.js'
import {
  mergeDockerConfigJson,
  readExistingDockerConfig,
  secretFromDockerConfigJson,
  type RegistryAuth,
  type SecretManifest,
} from '../../core/credentials/registry-secret.js'
import type { CreateSecretOptions, NamespaceAction, NamespaceResult } from './types.js'

const DOCKERCONFIGJSON = 'kubernetes.io/dockerconfigjson'

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
    if (secret.type !== DOCKERCONFIGJSON) {
      if (!opts.replace)
        findings.push({
          message: `Secret ${opts.name} in namespace ${namespace} has type ${secret.type}, not ${DOCKERCONFIGJSON}, and a Secret's type cannot be changed`,
          fix: `add --replace to delete it and create it as ${DOCKERCONFIGJSON} (running pods are unaffected until they restart), or choose another --name`,
        })
      continue
    }
    const existing = readExistingDockerConfig(secret.data['.dockerconfigjson'])
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

/**
 * One namespace's write: the namespace if missing, the Secret merged with the registries it
 * already holds, server-side applied. A failure is this namespace's result, not the run's.
 */
export async function writeOne(
  state: NamespaceState,
  auth: RegistryAuth,
  opts: CreateSecretOptions,
  run: Runner,
  target: KubeTarget,
  secrets: string[],
): Promise<NamespaceResult> {
  const { namespace, secret } = state
  let deleted: string | undefined
  try {
    let namespaceCreated = false
    if (!state.exists) {
      await createNamespace(run, target, namespace)
      namespaceCreated = true
    }
    const wrongType = secret !== null && secret.type !== DOCKERCONFIGJSON
    const existing =
      secret && !wrongType && !opts.replaceAll ? readExistingDockerConfig(secret.data['.dockerconfigjson']) : undefined
    const merged = mergeDockerConfigJson(existing && !('problem' in existing) ? existing : undefined, auth)
    const manifest: SecretManifest = secretFromDockerConfigJson(opts.name, namespace, merged.json)
    secrets.push(manifest.data['.dockerconfigjson'])
    if (wrongType) {
      await deleteSecret(run, target, opts.name, namespace)
      deleted = secret.type
    }
    const after = await applyServerSide(run, target, namespace, JSON.stringify(manifest))
    const action: NamespaceAction = deleted
      ? 'replaced'
      : secret === null
        ? 'created'
        : secret.resourceVersion === after
          ? 'unchanged'
          : 'configured'
    return {
      namespace,
      action,
      registries: merged.registries,
      ...(namespaceCreated && { namespaceCreated }),
      ...(deleted && { previousType: deleted }),
    }
  } catch (error) {
    if (deleted && error instanceof CfpullError)
      return {
        namespace,
        action: 'failed',
        error: new CfpullError(
          `the old Secret ${opts.name} (type ${deleted}) was deleted, but creating the new one failed: ${error.message}; run the same command again`,
          error.exitCode,
        ),
      }
    return { namespace, action: 'failed', error }
  }
}
