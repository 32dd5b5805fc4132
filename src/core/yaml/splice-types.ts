import type { Pair, YAMLMap } from 'yaml'

// What a splice takes and returns (the public half), and the records its parts pass to each
// other while planning (the private half): kept apart so every part of the splice can import
// them without importing another part.

/** What must hold at a path: a list of `{name}` maps containing these names, or one string value. */
export type Leaf =
  | { kind: 'list'; names: string[]; inheritedItems?: unknown[] }
  /** `what` names the value in a refusal (default: one secret name). */
  | { kind: 'scalar'; value: string; what?: string }

export interface SpliceTarget {
  path: string[]
  leaf: Leaf
}

export type OutcomeAction = 'created-section' | 'added' | 'appended' | 'set' | 'replaced' | 'unchanged'

export interface TargetOutcome {
  path: string[]
  action: OutcomeAction
  /** Names (or the value) written by this edit; for 'unchanged', the names already there. */
  names: string[]
  /** 1-based line of the target key (or of the first appended item) in the output text. */
  line: number
  /** For 'replaced': the value that was there before. */
  previous?: string
  /** Names a local list repeats because the section had them only through a merge key. */
  inherited?: string[]
}

export interface SpliceNotice {
  code: 'duplicate-key' | 'merge-inherited'
  message: string
  line: number
}

export interface SpliceResult {
  text: string
  outcomes: TargetOutcome[]
  notices: SpliceNotice[]
}

export interface Edit {
  at: number
  del: number
  insert: string
  /** New top-level sections go after anything else inserted at the same offset (the end of the file). */
  last?: boolean
}

// A subtree of keys to create under one existing node, merged across targets.
export type Tree = Map<string, Tree | LeafRef>
export interface LeafRef {
  leaf: Leaf
  outcome: TargetOutcome
}

export type HostKind = 'root' | 'block' | 'flow' | 'null' | 'flow-null'
export interface Host {
  kind: HostKind
  /** Where the host's own key sits (block / null), or the node itself (root / flow). */
  pair?: Pair
  map?: YAMLMap
  /** Column of the keys to insert (block, root) or of the parent key (null). */
  col: number
  /** Indent step for deeper levels created here. */
  unit: number
  tree: Tree
  /** Keys already on the path to this host: decides created-section vs added. */
  depth: number
}

export interface Marker {
  outcome: TargetOutcome
  /** Offset in the original text whose output position gives the outcome's line. */
  origin: number
  /** For edits: the edit and the offset of the marked line inside its inserted text. */
  edit?: Edit
  rel?: number
}
