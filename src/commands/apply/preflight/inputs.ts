// What is checked is what is done: helm upgrade reads the values files and a local chart from
// disk again, after the preflight has read them. What each one held when the preflight read it is
// recorded here, before helm template renders them, and read again just before helm upgrade
// starts; an input that changed in between (another writer, a `git pull`) stops the upgrade.
import { fileDigest, textDigest } from '../../../adapters/file-digest.js'
import type { PreflightCheck } from './context.js'

/** One file or chart directory helm upgrade reads, and its digest when the preflight read it. */
export interface RecordedInput {
  /** How the report names it: `the values file ./values.yaml`. */
  what: string
  path: string
  /** null: nothing was there (helm fails on it then, and the render already did). */
  digest: string | null
}

// The values files, before helm template reads them; a local chart is recorded by the chart check
// (chart.ts), which is where cfpull decides that the chart is local.
export const recordInputs: PreflightCheck = async ({ opts, facts }) => {
  // The values file as the preflight parsed it: a change since that read is a change too.
  if (facts.text !== undefined)
    facts.inputs.push({ what: `the values file ${opts.values}`, path: opts.values, digest: textDigest(facts.text) })
  for (const file of new Set(facts.passthrough.files))
    facts.inputs.push(await recordInput(`the file ${file} (after --)`, file))
  return []
}

/** `path` as it is now, named `what` in a report. */
export async function recordInput(what: string, path: string): Promise<RecordedInput> {
  return { what, path, digest: await digestOf(path) }
}

/**
 * What changed since the preflight read it, one phrase each (`the values file ./v.yaml changed
 * after the preflight read it`); empty when everything is as it was.
 */
export async function changedInputs(inputs: readonly RecordedInput[]): Promise<string[]> {
  const changed: string[] = []
  for (const input of inputs) {
    let now: string | null
    try {
      now = await fileDigest(input.path)
    } catch (err) {
      changed.push(
        `${input.what} cannot be read again (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      )
      continue
    }
    if (now === input.digest) continue
    if (now === null) changed.push(`${input.what} was removed after the preflight read it`)
    else if (input.digest === null) changed.push(`${input.what} appeared after the preflight looked for it`)
    else changed.push(`${input.what} changed after the preflight read it`)
  }
  return changed
}

// An input the preflight cannot read is its render's problem (helm names it); the digest then
// only says "unreadable", which a later read that succeeds differs from.
async function digestOf(path: string): Promise<string | null> {
  try {
    return await fileDigest(path)
  } catch (err) {
    return `unreadable:${(err as NodeJS.ErrnoException).code ?? 'error'}`
  }
}
