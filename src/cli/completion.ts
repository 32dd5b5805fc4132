import type { Command, Option } from 'commander'

export type Shell = 'bash' | 'zsh' | 'fish'

interface CommandSpec {
  name: string
  description: string
  options: Array<{
    long?: string
    short?: string
    description: string
    takesValue: boolean
    choices?: readonly string[]
    file: boolean
  }>
}

// Flags whose value is a path complete as files; the rest take free text or fixed choices.
const FILE_FLAGS = new Set(['--output', '--chart-values', '--values', '--kubeconfig', '--from-docker-config'])

function specs(program: Command): CommandSpec[] {
  return program.commands
    .filter((c) => c.name() !== 'help')
    .map((c) => ({
      name: c.name(),
      description: c.description(),
      options: c.options.map((o: Option) => ({
        ...(o.long && { long: o.long }),
        ...(o.short && { short: o.short }),
        description: o.description,
        takesValue: o.required || o.optional,
        ...(o.argChoices && { choices: o.argChoices }),
        file: !!o.long && FILE_FLAGS.has(o.long),
      })),
    }))
}

/** A completion script for the shell, generated from the commands and flags commander knows. */
export function completionScript(shell: Shell, program: Command): string {
  const cmds = specs(program)
  if (shell === 'bash') return bash(cmds)
  if (shell === 'zsh') return zsh(cmds)
  return fish(cmds)
}

function bash(cmds: CommandSpec[]): string {
  const cases = cmds
    .map((c) => {
      const flags = c.options.flatMap((o) => [o.long, o.short].filter(Boolean)).join(' ')
      const values = c.options
        .filter((o) => o.takesValue && o.long)
        .map(
          (o) =>
            `      ${[o.long, o.short].filter(Boolean).join('|')}) ${o.choices ? `COMPREPLY=($(compgen -W "${o.choices.join(' ')}" -- "$cur")); return ;;` : o.file ? 'COMPREPLY=($(compgen -f -- "$cur")); return ;;' : 'return ;;'}`,
        )
        .join('\n')
      return `    ${c.name})\n      case "$prev" in\n${values}\n      esac\n      if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "${flags}" -- "$cur")); else COMPREPLY=($(compgen -f -- "$cur")); fi ;;`
    })
    .join('\n')
  return `# bash completion for cfpull: eval "$(cfpull completion bash)"
_cfpull() {
  local cur prev cmd
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  cmd="\${COMP_WORDS[1]}"
  if [[ $COMP_CWORD -eq 1 ]]; then
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
  const esc = (s: string) => s.replace(/'/g, "'\\''").replace(/([[\]:])/g, '\\$1')
  const fns = cmds
    .map((c) => {
      const args = c.options
        .map((o) => {
          const names = [o.short, o.long].filter(Boolean) as string[]
          const spec = names.length > 1 ? `'(${names.join(' ')})'{${names.join(',')}}` : `'${names[0]}`
          const value = o.takesValue
            ? o.choices
              ? `:value:(${o.choices.join(' ')})`
              : o.file
                ? ':file:_files'
                : ':value:'
            : ''
          return names.length > 1
            ? `    ${spec}'[${esc(o.description)}]${value}'`
            : `    ${spec}[${esc(o.description)}]${value}'`
        })
        .join(' \\\n')
      return `_cfpull_${c.name.replace(/-/g, '_')}() {\n  _arguments \\\n${args} \\\n    '*:file:_files'\n}`
    })
    .join('\n\n')
  return `#compdef cfpull
# zsh completion for cfpull: cfpull completion zsh > "\${fpath[1]}/_cfpull"
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
  case "$words[2]" in
${cmds.map((c) => `    ${c.name}) shift words; (( CURRENT-- )); _cfpull_${c.name.replace(/-/g, '_')} ;;`).join('\n')}
  esac
}

_cfpull "$@"
`
}

function fish(cmds: CommandSpec[]): string {
  const q = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
  const lines = [
    '# fish completion for cfpull: cfpull completion fish > ~/.config/fish/completions/cfpull.fish',
    'complete -c cfpull -f',
  ]
  for (const c of cmds) lines.push(`complete -c cfpull -n __fish_use_subcommand -a ${c.name} -d ${q(c.description)}`)
  for (const c of cmds)
    for (const o of c.options) {
      const parts = [`complete -c cfpull -n '__fish_seen_subcommand_from ${c.name}'`]
      if (o.long) parts.push(`-l ${o.long.replace(/^--/, '')}`)
      if (o.short) parts.push(`-s ${o.short.replace(/^-/, '')}`)
      if (o.takesValue) parts.push(o.choices ? `-x -a ${q(o.choices.join(' '))}` : o.file ? '-r -F' : '-x')
      parts.push(`-d ${q(o.description)}`)
      lines.push(parts.join(' '))
    }
  return `${lines.join('\n')}\n`
}
