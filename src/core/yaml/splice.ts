// core/yaml/ is YAML as Helm reads it, and the exact edit: it exists so that the rest of core can
// ask what a values file says and where, and have a change made to it, without knowing how YAML
// is parsed or written. values.ts reads a file with positions and code frames, schema.ts names
// the shapes cfpull checks, data-path.ts reads plain data by path, unified-diff.ts shows a change,
// and the splice (this file and the parts it names below) edits the text. It knows nothing of
// Cloudforet, credentials or images: it imports only the yaml and zod packages, its own files and
// ../errors.ts, so that every other part of core can build on it.

import { applyEdits } from './apply-edits.js'
import { renderHost } from './insert-keys.js'
import { planTarget } from './locate-target.js'
import { SpliceState } from './splice-state.js'
import { ValidationError } from '../errors.js'
import type { SpliceResult, SpliceTarget, TargetOutcome } from './splice-types.js'
import type { ParsedValues } from './values.js'

/**
 * The YAML editing engine. It locates each target in the parsed document (locate-target.ts),
 * files the keys the document lacks under the node they go into (insert-keys.ts), writes their
 * text in the file's own style (new-text.ts, file-style.ts) and splices it into the original
 * string (apply-edits.ts). It never re-serialises the document, so every byte it does not insert
 * stays as it was (STYLE.md §2.1).
 */

/**
 * Ensures every target holds in the document; returns the new text (the input itself when
 * nothing changes), one outcome per target in order, and notices worth a warning.
 * Throws ValidationError when a value on a target's path has a shape it cannot hold: one for
 * the whole file, naming every such value in line order (ValidationError.more).
 */
export function spliceTargets(values: ParsedValues, targets: SpliceTarget[], file = '<input>'): SpliceResult {
  const s = new SpliceState(values, file)
  const invalid: ValidationError[] = []
  const outcomes = targets.map((t) => {
    try {
      return planTarget(s, t)
    } catch (err) {
      if (err instanceof ValidationError) invalid.push(err)
      // Once a target failed the plan is half made: a later failure of another kind is a
      // consequence of it, and the wrong shapes found so far are the report.
      else if (invalid.length === 0) throw err
      return undefined
    }
  })
  if (invalid.length) throw ValidationError.inLineOrder(invalid)
  for (const host of s.hosts.values()) renderHost(s, host)
  const text = s.edits.length === 0 ? s.text : applyEdits(s.text, s.edits, s.markers)
  if (text === s.text) for (const m of s.markers) m.outcome.line = s.lineOf(m.origin)
  const result = { text, outcomes: outcomes as TargetOutcome[], notices: s.notices }
  return values.bom ? { ...result, text: `\uFEFF${result.text}` } : result
}
