// create-secret: the registry Secret in every namespace that needs it. This folder holds the
// command's parts, each by what it knows: where the password comes from (password.ts, and
// docker-config.ts for what `docker login` stored), which namespaces the Secret goes to
// (namespaces.ts), the registry login check (login.ts), and the read-only checks and the merged
// write against the cluster (write.ts). This file runs them in order: every check before any write.
import { getSecret, namespaceExists, type KubeTarget } from '../../adapters/kubectl.js'
import { isEcrHost } from '../../adapters/registry.js'
import { redactingRunner } from '../../adapters/run.js'
import { CfpullError, ConflictError, ExitCode, NoClusterError, UsageError } from '../../core/errors.js'
import {
  buildDockerConfigSecret,
  checkRegistryAuth,
  existingSecretForms,
  manifestsToJson,
  manifestsToYaml,
  redact,
  registryKey,
  secretForms,
} from '../../core/credentials/registry-secret.js'
import { mapLimit } from '../../core/map-limit.js'
import { checkLogin, ecrNote } from './login.js'
import { targetNamespaces } from './namespaces.js'
import { resolveAuth } from './password.js'
import type { CreateSecretDeps, CreateSecretOptions, CreateSecretResult, LoginReport } from './types.js'
import { secretManager } from '../../core/gitops.js'
import { preflight, writeOne, type NamespaceState } from './write.js'

/**
 * `cfpull create-secret`: the registry Secret in every namespace that needs it, merged into the
 * Secret already there (other registries kept), checked against the registry first, written with
 * server-side apply, the password only ever on kubectl's stdin.
 */
export async function createSecret(opts: CreateSecretOptions, deps: CreateSecretDeps): Promise<CreateSecretResult> {
  const notes: string[] = []
  const info: string[] = []
  const { auth, source, prompted } = await resolveAuth(opts, deps, notes)
  checkRegistryAuth(opts.name, auth)
  const server = auth.server
  const namespaces = await targetNamespaces(opts, notes)
  deps.onPlan?.({ namespaces, passwordSource: source, notes })

  const secrets = secretForms(auth)
  // Every child (kubectl, its exec credential plugins) runs without any variable holding a secret form.
  const write = redactingRunner(deps.run, (s) => redact(s, secrets), secrets)
  const read = redactingRunner(deps.run, (s) => s, secrets)
  const target: KubeTarget = {
    ...(opts.kubeconfig && { kubeconfig: opts.kubeconfig }),
    ...(opts.context && { context: opts.context }),
    ...(deps.env.CFPULL_KUBECTL && { bin: deps.env.CFPULL_KUBECTL }),
  }
  const base = { name: opts.name, server, namespaces, passwordSource: source, notes, info }
  const concurrency = opts.concurrency ?? 4

  let states: NamespaceState[] = []
  if (!opts.dryRun) {
    states = await mapLimit(namespaces, concurrency, async (namespace) => ({
      namespace,
      exists: await namespaceExists(write, target, namespace),
      secret: await getSecret(read, target, opts.name, namespace),
    }))
    // Other registries' credentials are now in memory too: keep them out of every output and child.
    for (const st of states) secrets.push(...existingSecretForms(st.secret))
    // The Secret is not the chart's, so a GitOps owner of the release does not stop this; one that manages the Secret itself might undo it.
    for (const st of states) {
      const manager = st.secret && secretManager(st.secret.labels, st.secret.annotations)
      if (manager)
        notes.push(
          `Secret ${opts.name} in ${st.namespace} is managed by ${manager}: the controller may overwrite or prune what cfpull writes; put the credentials where it reads them (e.g. a SealedSecret or ExternalSecret in git)`,
        )
    }
    const findings = preflight(states, opts)
    if (findings.length)
      return { ...base, results: [], login: { result: 'skipped' }, findings, exitCode: ExitCode.InvalidInput }
  }

  // Typed at a terminal and about to create the Secret: ask once more, as `passwd` does.
  if (prompted && deps.prompt && states.every((s) => s.secret === null)) {
    const again = await deps.prompt('Password again: ')
    if (again !== auth.password) throw new UsageError('the two passwords differ; nothing was changed')
  }

  const verify = opts.verify ?? !opts.dryRun
  const login: LoginReport = verify ? await checkLogin(auth, opts, deps, notes, info) : { result: 'skipped' }
  if (isEcrHost(server)) info.push(ecrNote(opts, server))

  if (opts.dryRun) {
    const manifests = namespaces.map((ns) => buildDockerConfigSecret(opts.name, ns, auth))
    const holds = `each manifest holds only ${registryKey(server)}`
    info.push(
      `--dry-run reads nothing from the cluster: ${holds}, so applying it replaces the other registries an existing Secret holds`,
    )
    return {
      ...base,
      manifests: opts.output === 'json' ? manifestsToJson(manifests) : manifestsToYaml(manifests),
      results: [],
      login,
      findings: [],
      exitCode: ExitCode.Ok,
    }
  }

  const results = await mapLimit(states, concurrency, (state) =>
    writeOne(state, auth, opts, { write, read }, target, secrets),
  )
  // No cluster is one error, not the same one per namespace (none of them could be reached).
  const noCluster = results.find((r) => r.error instanceof NoClusterError)
  if (noCluster) throw noCluster.error
  const replaced = results.filter((r) => r.action === 'replaced')
  if (replaced.length) {
    const where = replaced.map((r) => `${r.namespace} (was ${r.previousType})`).join(', ')
    info.push(
      `deleted and recreated Secret ${opts.name} in ${where}: running pods are unaffected; pods pull with the new Secret when they next start`,
    )
  }
  const failed = results.filter((r) => r.action === 'failed')
  const exitCode =
    failed.length === 0
      ? ExitCode.Ok
      : failed.some((r) => !(r.error instanceof CfpullError))
        ? ExitCode.Failure
        : failed.every((r) => r.error instanceof ConflictError)
          ? ExitCode.Conflict
          : ExitCode.ToolFailed
  return { ...base, results, login, findings: [], exitCode }
}
