import type { Argument, Command, Option } from 'commander'
import { LATEST_CHART_VERSION, chartInfo, knownChartVersions } from '../core/cloudforet/charts.js'

export type Shell = 'bash' | 'zsh' | 'fish'

/** What a flag's value (or a positional argument) completes to. */
type Values =
  | { kind: 'none' }
  | { kind: 'words'; words: readonly string[] }
  | { kind: 'file' }
  /** Comma-separated chart service keys, of the chart version given on the line (else the newest). */
  | { kind: 'services' }

interface FlagSpec {
  long?: string
  short?: string
  description: string
  values?: Values
}

interface CommandSpec {
  name: string
  description: string
  flags: FlagSpec[]
  args: Values
}

// Flags whose value is a path.
const FILE_FLAGS = new Set([
  '--chart-values',
  '--values',
  '--kubeconfig',
  '--from-docker-config',
  '--summary',
  '--images',
  '--src-from-docker-config',
  '--dest-from-docker-config',
  '--src-ca',
  '--dest-ca',
])

function flagValues(command: string, o: Option): Values | undefined {
  if (!o.required && !o.optional) return undefined
  if (o.argChoices) return { kind: 'words', words: o.argChoices }
  // apply's --version is the chart's version (the program's own is -V).
  if (o.long === '--chart-version' || (command === 'apply' && o.long === '--version'))
    return { kind: 'words', words: [...knownChartVersions()].reverse() }
  if (o.long === '--services' || o.long === '--exclude') return { kind: 'services' }
  if (o.long && FILE_FLAGS.has(o.long)) return { kind: 'file' }
  // patch -o is a file; create-secret -o has choices (above).
  if (o.long === '--output') return { kind: 'file' }
  return { kind: 'none' }
}

function argValues(args: readonly Argument[]): Values {
  const first = args[0]
  if (!first) return { kind: 'none' }
  if (first.argChoices) return { kind: 'words', words: first.argChoices }
  return first.name() === 'values' ? { kind: 'file' } : { kind: 'none' }
}

function specs(program: Command): CommandSpec[] {
  return program.commands
    .filter((c) => c.name() !== 'help')
    .map((c) => ({
      name: c.name(),
      description: c.description(),
      flags: c.options.map((o: Option) => {
        const values = flagValues(c.name(), o)
        return {
          ...(o.long && { long: o.long }),
          ...(o.short && { short: o.short }),
          description: o.description,
          ...(values && { values }),
        }
      }),
      args: argValues(c.registeredArguments),
    }))
}

/** Chart versions grouped by their service keys, and the newest chart's keys (the default). */
function serviceTable(): { groups: Array<{ versions: string[]; services: string[] }>; latest: string[] } {
  const byList = new Map<string, string[]>()
  for (const v of knownChartVersions()) {
    const key = chartInfo(v).services.join(' ')
    byList.set(key, [...(byList.get(key) ?? []), v])
  }
  return {
    groups: [...byList].map(([services, versions]) => ({ versions, services: services.split(' ') })),
    latest: chartInfo(LATEST_CHART_VERSION).services,
  }
}

/** A completion script for the shell, generated from the commands and flags commander knows. */
export function completionScript(shell: Shell, program: Command): string {
  const cmds = specs(program)
  if (shell === 'bash') return bash(cmds)
  if (shell === 'zsh') return zsh(cmds)
  return fish(cmds)
}

const names = (f: FlagSpec) => [f.long, f.short].filter((n): n is string => !!n)

function bash(cmds: CommandSpec[]): string {
  const table = serviceTable()
  const complete = (v: Values) =>
    v.kind === 'words'
      ? `COMPREPLY=($(compgen -W "${v.words.join(' ')}" -- "$cur"))`
      : v.kind === 'file'
        ? 'COMPREPLY=($(compgen -f -- "$cur"))'
        : v.kind === 'services'
          ? `_cfpull_list "$(_cfpull_services "$chart")"`
          : 'COMPREPLY=()'
  const cases = cmds
    .map((c) => {
      const flags = c.flags.flatMap(names).join(' ')
      const values = c.flags
        .filter((f) => f.values)
        .map((f) => `        ${names(f).join('|')}) ${complete(f.values!)}; return ;;`)
        .join('\n')
      return [
        `    ${c.name})`,
        `      case "$prev" in`,
        values,
        `      esac`,
        `      if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "${flags}" -- "$cur")); else ${complete(c.args)}; fi ;;`,
      ]
        .filter(Boolean)
        .join('\n')
    })
    .join('\n')
  const services = table.groups.map((g) => `    ${g.versions.join('|')}) echo "${g.services.join(' ')}" ;;`).join('\n')
  return `# bash completion for cfpull: eval "$(cfpull completion bash)"
# The service keys of each chart version cfpull knows, for --services and --exclude.
_cfpull_services() {
  case "\${1#v}" in
${services}
    *) echo "${table.latest.join(' ')}" ;;
  esac
}

# Completes the item after the last comma of $cur from the words in $1, leaving out those given.
_cfpull_list() {
  local given="" item="$cur" w
  if [[ "$cur" == *,* ]]; then given="\${cur%,*},"; item="\${cur##*,}"; fi
  COMPREPLY=()
  for w in $(compgen -W "$1" -- "$item"); do
    [[ ",$given" == *",$w,"* ]] || COMPREPLY+=("$given$w")
  done
  # A list goes on after a comma: no space after the word.
  compopt -o nospace 2>/dev/null
}

_cfpull() {
  local cur prev cmd="" chart="" i w
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  # bash splits --flag=value at "=" (COMP_WORDBREAKS): complete the value of the flag before it.
  if [[ "$cur" == "=" ]]; then cur=""
  elif [[ "$prev" == "=" && $COMP_CWORD -ge 2 ]]; then prev="\${COMP_WORDS[COMP_CWORD-2]}"
  fi
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    if [[ -z "$cmd" && "$w" != -* ]]; then cmd="$w"; fi
    if [[ "$w" == --chart-version || ( "$cmd" == apply && "$w" == --version ) ]]; then
      chart="\${COMP_WORDS[i+1]}"
      [[ "$chart" == "=" ]] && chart="\${COMP_WORDS[i+2]}"
    fi
  done
  if [[ -z "$cmd" ]]; then
    COMPREPLY=($(compgen -W "${cmds.map((c) => c.name).join(' ')} --help --version" -- "$cur"))
    return
  fi
  case "$cmd" in
${cases}
  esac
}
complete -F _cfpull cfpull
`
}

function zsh(cmds: CommandSpec[]): string {
  const table = serviceTable()
  const esc = (s: string) => s.replace(/'/g, "'\\''").replace(/([[\]:])/g, '\\$1')
  const action = (v: Values | undefined, label: string) =>
    !v
      ? ''
      : v.kind === 'words'
        ? `:${label}:(${v.words.join(' ')})`
        : v.kind === 'file'
          ? `:${label}:_files`
          : v.kind === 'services'
            ? `:${label}:_cfpull_services`
            : `:${label}:`
  const fns = cmds
    .map((c) => {
      const specs = c.flags.map((f) => {
        const n = names(f).reverse()
        const value = action(f.values, f.long?.replace(/^--/, '') ?? 'value')
        return n.length > 1
          ? `    '(${n.join(' ')})'{${n.join(',')}}'[${esc(f.description)}]${value}'`
          : `    '${n[0]}[${esc(f.description)}]${value}'`
      })
      const positional =
        c.args.kind === 'none'
          ? []
          : c.args.kind === 'words'
            ? [`    '1:${c.name === 'completion' ? 'shell' : 'value'}:(${c.args.words.join(' ')})'`]
            : [`    '*:values file:_files'`]
      return `_cfpull_${c.name.replace(/-/g, '_')}() {\n  _arguments -s \\\n${[...specs, ...positional].join(' \\\n')}\n}`
    })
    .join('\n\n')
  const services = table.groups.map((g) => `    ${g.versions.join('|')}) reply=(${g.services.join(' ')}) ;;`).join('\n')
  return `#compdef cfpull
# zsh completion for cfpull: cfpull completion zsh > "\${fpath[1]}/_cfpull"
# (or, after compinit: source <(cfpull completion zsh))

# The service keys of each chart version cfpull knows, for --services and --exclude.
_cfpull_services_for() {
  case "\${1#v}" in
${services}
    *) reply=(${table.latest.join(' ')}) ;;
  esac
}

_cfpull_services() {
  local -a reply
  _cfpull_services_for "\${opt_args[--chart-version]:-\${opt_args[--version]}}"
  _values -s , 'service' $reply
}

${fns}

_cfpull() {
  local -a commands
  commands=(
${cmds.map((c) => `    '${c.name}:${esc(c.description)}'`).join('\n')}
  )
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  local cmd=$words[2]
  shift words
  (( CURRENT-- ))
  case $cmd in
${cmds.map((c) => `    ${c.name}) _cfpull_${c.name.replace(/-/g, '_')} ;;`).join('\n')}
  esac
}

# Autoloaded from $fpath this file is the body of _cfpull; sourced, it registers it.
if [[ "\${funcstack[1]}" == _cfpull ]]; then
  _cfpull "$@"
else
  compdef _cfpull cfpull
fi
`
}

function fish(cmds: CommandSpec[]): string {
  const table = serviceTable()
  const q = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
  const lines = [
    '# fish completion for cfpull: cfpull completion fish > ~/.config/fish/completions/cfpull.fish',
    '',
    '# The service keys of each chart version cfpull knows, for --services and --exclude.',
    'function __cfpull_services_for',
    '    switch (string replace -r "^v" "" -- $argv[1])',
    ...table.groups.flatMap((g) => [
      `        case ${g.versions.join(' ')}`,
      `            printf "%s\\n" ${g.services.join(' ')}`,
    ]),
    '        case "*"',
    `            printf "%s\\n" ${table.latest.join(' ')}`,
    '    end',
    'end',
    '',
    '# The item after the last comma of the current token, from the chart version on the line.',
    'function __cfpull_services',
    '    set -l tokens (commandline -opc)',
    '    set -l chart ""',
    '    for i in (seq (count $tokens))',
    '        if contains -- $tokens[$i] --chart-version; or begin; contains -- apply $tokens; and test $tokens[$i] = --version; end',
    '            set chart $tokens[(math $i + 1)]',
    '        end',
    '    end',
    '    set -l given (string replace -r "[^,]*\\$" "" -- (commandline -ct))',
    '    for s in (__cfpull_services_for $chart)',
    '        string match -q -- "*,$s,*" ",$given" ; or echo $given$s',
    '    end',
    'end',
    '',
    'complete -c cfpull -f',
  ]
  for (const c of cmds) lines.push(`complete -c cfpull -n __fish_use_subcommand -a ${c.name} -d ${q(c.description)}`)
  for (const c of cmds) {
    const when = `-n '__fish_seen_subcommand_from ${c.name}'`
    if (c.args.kind === 'words') lines.push(`complete -c cfpull ${when} -a ${q(c.args.words.join(' '))}`)
    if (c.args.kind === 'file') lines.push(`complete -c cfpull ${when} -F`)
    for (const f of c.flags) {
      const parts = [`complete -c cfpull ${when}`]
      if (f.long) parts.push(`-l ${f.long.replace(/^--/, '')}`)
      if (f.short) parts.push(`-s ${f.short.replace(/^-/, '')}`)
      const v = f.values
      if (v)
        parts.push(
          v.kind === 'words'
            ? `-x -a ${q(v.words.join(' '))}`
            : v.kind === 'file'
              ? '-r -F'
              : v.kind === 'services'
                ? `-x -a '(__cfpull_services)'`
                : '-x',
        )
      parts.push(`-d ${q(f.description)}`)
      lines.push(parts.join(' '))
    }
  }
  return `${lines.join('\n')}\n`
}
