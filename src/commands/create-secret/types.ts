import type { LoginCheck } from '../../adapters/registry.js'
import type { Runner } from '../../adapters/run.js'
import type { ExitCodeValue, Finding } from '../../core/errors.js'
import type { CredentialOptions } from './password.js'

/**
 * The credentials: --docker-server (without it, the one registry of --from-docker-config, else
 * Docker Hub), --docker-username, --password-stdin, --docker-password (accepted, with a warning,
 * because argv is visible to other users), --from-docker-config [FILE].
 */
export interface CreateSecretOptions extends CredentialOptions {
  name: string
  namespaces: string[]
  values?: string
  chartVersion?: string
  createNamespace: boolean
  dryRun: boolean
  output?: 'yaml' | 'json'
  /** Write only the new entry, dropping the Secret's other registries. */
  replaceAll?: boolean
  /** Delete and recreate a Secret of another type. */
  replace?: boolean
  /** Log in to the registry before writing. Undefined: on, except with --dry-run. */
  verify?: boolean
  /** A CA certificate file (PEM) for the registry, trusted besides the system's. */
  registryCa?: string
  kubeconfig?: string
  context?: string
  /** How many namespaces are worked on at once. */
  concurrency?: number
}

export interface CreateSecretDeps {
  run: Runner
  readStdin: () => Promise<string>
  env: Record<string, string | undefined>
  /**
   * Present when stdin is a terminal: shows the question and reads one line with echo off.
   * --password-stdin uses it instead of readStdin.
   */
  prompt?: (question: string) => Promise<string>
  /** Called as soon as the namespaces are known, before acting (the CLI prints them). */
  onPlan?: (plan: { namespaces: string[]; passwordSource: PasswordSource; notes: string[] }) => void
}

export type PasswordSource = 'stdin' | 'env' | 'flag' | 'docker-config'
export type NamespaceAction = 'created' | 'configured' | 'unchanged' | 'replaced' | 'failed'

export interface NamespaceResult {
  namespace: string
  action: NamespaceAction
  namespaceCreated?: boolean
  /** The registries the Secret holds credentials for after this run (hosts only). */
  registries?: string[]
  /** With --replace-all: the registries the Secret held that it no longer does. */
  dropped?: string[]
  /** `replaced`: the type the deleted Secret had. */
  previousType?: string
  error?: unknown
}

export type LoginReport = LoginCheck | { result: 'skipped' }

export interface CreateSecretResult {
  name: string
  server: string
  namespaces: string[]
  passwordSource: PasswordSource
  /** With --dry-run: the manifests, in the format asked for. */
  manifests?: string
  results: NamespaceResult[]
  /** The registry login check (`skipped` with --no-verify, or with --dry-run unless --verify). */
  login: LoginReport
  /** What the read-only checks found; non-empty means nothing was written (exit 3). */
  findings: Finding[]
  /** Warnings: source conflicts, an unverifiable login, registries dropped. */
  notes: string[]
  /** Facts worth saying (the login check passed, a Secret was replaced, ECR token lifetime). */
  info: string[]
  exitCode: ExitCodeValue
}
