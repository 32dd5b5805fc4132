import type { ApplyDeps, ApplyOptions, ApplyResult } from '../commands/apply/apply.js'
import type { CreateSecretDeps, CreateSecretOptions, CreateSecretResult } from '../commands/create-secret/types.js'
import type { DoctorOptions, DoctorResult } from '../commands/doctor/doctor.js'
import type { DoctorPullDeps, DoctorPullOptions, DoctorPullResult } from '../commands/doctor-pull.js'
import type { ImagesResult, InventoryOptions } from '../commands/images.js'
import type { MirrorDeps, MirrorOptions, MirrorResult } from '../commands/mirror/types.js'
import type { PatchDeps, PatchOptions, PatchRunResult } from '../commands/patch.js'
import type { KubeContext, KubeTarget } from '../adapters/kubectl.js'
import type { Runner } from '../adapters/run.js'

/** The command functions the program calls; tests pass their own to check the flag mapping. */
export interface Commands {
  patch(opts: PatchOptions, onProgress?: PatchDeps['onProgress']): Promise<PatchRunResult>
  createSecret(opts: CreateSecretOptions, onPlan: CreateSecretDeps['onPlan']): Promise<CreateSecretResult>
  apply(opts: ApplyOptions, onStep: ApplyDeps['onStep'], onNotice?: ApplyDeps['onNotice']): Promise<ApplyResult>
  doctor(opts: DoctorOptions): Promise<DoctorResult>
  doctorPull(opts: DoctorPullOptions, onProgress: DoctorPullDeps['onProgress']): Promise<DoctorPullResult>
  mirror(opts: MirrorOptions, onProgress?: MirrorDeps['onProgress']): Promise<MirrorResult>
  images(opts: InventoryOptions): Promise<ImagesResult>
  /** The kubeconfig context kubectl would use and its namespace (the kubeconfig only, never the cluster). */
  kubeContext(t: KubeTarget): Promise<KubeContext | null>
}

/** What the commands get from the process: kept as parameters so tests can supply their own. */
export interface Ambient {
  env: Record<string, string | undefined>
  readStdin: () => Promise<string>
  /** All of stdin as bytes (for `patch -`, which checks them as a file's); default: readStdin's text. */
  readStdinBytes?: () => Promise<Uint8Array>
  /** The tool runner; default: execa, loaded on first use. */
  run?: Runner
  /** SIGINT/SIGTERM, for apply's wait on a running helm upgrade and mirror's copies; main() passes the process's. */
  signals?: ApplyDeps['signals']
  /** When stdin is a terminal: asks a question and reads a line with echo off (passwords). */
  prompt?: (question: string) => Promise<string>
}

/** The real commands, each loaded only when it runs (patch never loads execa). */
export function makeCommands(ambient: Ambient): Commands {
  // execa is loaded with the first command that runs a tool, unless the caller brought a runner.
  const runner = async (): Promise<Runner> => ambient.run ?? (await import('../adapters/run.js')).execaRunner
  return {
    patch: async (opts, onProgress) =>
      (await import('../commands/patch.js')).patch(opts, {
        ...(onProgress && { onProgress }),
        readStdin: ambient.readStdinBytes ?? (async () => Buffer.from(await ambient.readStdin(), 'utf8')),
      }),
    createSecret: async (opts, onPlan) => {
      const [{ createSecret }, run] = await Promise.all([
        import('../commands/create-secret/create-secret.js'),
        runner(),
      ])
      return createSecret(opts, {
        run,
        readStdin: ambient.readStdin,
        env: ambient.env,
        ...(ambient.prompt && { prompt: ambient.prompt }),
        ...(onPlan && { onPlan }),
      })
    },
    apply: async (opts, onStep, onNotice) => {
      const [{ apply }, run] = await Promise.all([import('../commands/apply/apply.js'), runner()])
      return apply(opts, {
        run,
        env: ambient.env,
        ...(onStep && { onStep }),
        ...(onNotice && { onNotice }),
        ...(ambient.signals && { signals: ambient.signals }),
      })
    },
    doctor: async (opts) => {
      const [{ doctor }, run] = await Promise.all([import('../commands/doctor/doctor.js'), runner()])
      return doctor(opts, { run, env: ambient.env })
    },
    doctorPull: async (opts, onProgress) => {
      const [{ doctorPull }, run] = await Promise.all([import('../commands/doctor-pull.js'), runner()])
      return doctorPull(opts, {
        run,
        env: ambient.env,
        readStdin: ambient.readStdin,
        ...(onProgress && { onProgress }),
      })
    },
    images: async (opts) => {
      const [{ gatherInventory }, run] = await Promise.all([import('../commands/images.js'), runner()])
      return gatherInventory(opts, { run, env: ambient.env })
    },
    kubeContext: async (t) => {
      const [{ kubeContext }, { toolBinary }, run] = await Promise.all([
        import('../adapters/kubectl.js'),
        import('../adapters/run.js'),
        runner(),
      ])
      return kubeContext(run, { ...t, bin: toolBinary('kubectl', ambient.env) })
    },
    mirror: async (opts, onProgress) => {
      const [{ mirror }, run] = await Promise.all([import('../commands/mirror/mirror.js'), runner()])
      return mirror(opts, {
        run,
        env: ambient.env,
        readStdin: ambient.readStdin,
        ...(ambient.prompt && { prompt: ambient.prompt }),
        ...(ambient.signals && { signals: ambient.signals }),
        ...(onProgress && { onProgress }),
      })
    },
  }
}
