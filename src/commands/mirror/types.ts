import type { Runner } from '../../adapters/run.js'
import type { InventoryOptions } from '../images.js'
import type { ExitCodeValue } from '../../core/errors.js'
import type { MirrorRecord } from '../../core/images/mirror-plan.js'
import type { CredentialOptions } from '../create-secret/password.js'

/** The credentials of one side (source or destination), as create-secret takes them. */
export interface SideOptions extends CredentialOptions {
  /** A PEM file of a private CA the registry uses. */
  ca?: string
}

export interface MirrorOptions {
  /** `HOST/PATH`: where the images go, named by the mirror mapping. */
  to: string
  /** `--images FILE`, or `-` for stdin: one reference per line. */
  images?: string
  /**
   * Without `images`: the inventory `cfpull images` lists for these flags (`registry` and
   * `registryCa` are not used: the names come from `to`, the CA from `src.ca`). `pluginTags`
   * defaults to 1 where managed plugins are listed.
   */
  inventory?: InventoryOptions
  /** `os/arch[/variant]`: copy this one variant of each index. */
  platform?: string
  /** Copies in flight at once. Default 4. */
  concurrency?: number
  dryRun: boolean
  /** Source credentials; `server` is the registry they are for (default: the one source host, else Docker Hub). */
  src: SideOptions
  /** Destination credentials, for the host of `to`. */
  dest: SideOptions
  /** Per registry request, in milliseconds. */
  timeoutMs?: number
}

/** What a run shows while it works: the images done out of the total, the bytes, the current image. */
export interface MirrorProgress {
  /** `done`: the run is over (a progress display clears itself). */
  phase: 'check' | 'copy' | 'proof' | 'done'
  done: number
  total: number
  bytes: number
  current?: string
}

export interface MirrorDeps {
  run: Runner
  env: Record<string, string | undefined>
  readStdin: () => Promise<string>
  prompt?: (question: string) => Promise<string>
  /** Subscribes to SIGINT/SIGTERM; returns the unsubscribe. */
  signals?: (handler: (signal: string) => void) => () => void
  onProgress?: (p: MirrorProgress) => void
  /** Called with each record as soon as it is final. */
  onRecord?: (r: MirrorRecord) => void
}

export interface MirrorResult {
  /** `HOST/PATH` as parsed. */
  to: string
  dryRun: boolean
  platform?: string
  records: MirrorRecord[]
  /** Warnings: credential sources that lost, images not checked. */
  notes: string[]
  interrupted: boolean
  exitCode: ExitCodeValue
}
