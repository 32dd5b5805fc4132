import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chartInfo, knownChartVersions } from '../../src/core/cloudforet/charts.js'
import { runCli } from '../helpers/run-cli.js'

// Each script is run by its real shell (the test setup installs zsh and fish): bash calls the
// completion function the way `complete -F` does, zsh's completion system runs in a pseudo-terminal
// (zpty) with TAB typed, and fish answers `complete -C` for a command line.
async function script(shell: string): Promise<string> {
  const r = await runCli(['completion', shell])
  expect([r.code, r.stderr]).toEqual([0, ''])
  return r.stdout
}

let dir: string
const scripts: Record<string, string> = {}

// bash: COMP_WORDS/COMP_CWORD as bash sets them (it splits --flag=value at "=").
async function bash(words: string[]): Promise<string[]> {
  const program = `source ${scripts.bash}
[[ "$(complete -p cfpull)" == "complete -F _cfpull cfpull" ]] || exit 9
COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}
_cfpull; printf '%s\\n' "\${COMPREPLY[@]}"`
  const r = await execa('bash', ['--norc', '--noprofile', '-c', program], { cwd: dir })
  return r.stdout.split('\n').filter(Boolean)
}

// zsh: an interactive zsh in a zpty with compinit and the script loaded; compadd is wrapped to
// print each match it is given (not the intermediate lists of _describe/_values, which pass -O,
// -A or -D), and comppostfuncs marks the end of one completion.
const ZSH_DRIVER = `zmodload zsh/zpty || exit 3
zpty z zsh -f -i
zpty -w z 'PS1="" RPS1=""'
zpty -w z "$1"
zpty -w z 'zstyle ":completion:*" list-grouped false; zstyle ":completion:*" insert-tab false; bindkey "^I" complete-word'
zpty -w z 'compadd() { if (( \${argv[(I)-[OAD]]} )); then builtin compadd "$@"; return; fi; local -a hits; builtin compadd -A hits "$@"; builtin compadd "$@"; local h; for h in $hits; do print -r -- "CFPULL-""HIT:$h"; done; }'
zpty -w z 'comppostfuncs=(cfpull_done); cfpull_done() { print -r -- "CFPULL-""DONE"; }'
zpty -w -n z "$2"$'\\t'
zpty -r z out '*CFPULL-DONE*' || exit 4
zpty -d z
nl=$'\\n'
out=\${out//$'\\r'/$nl}
for line in "\${(@f)out}"; do [[ $line == *CFPULL-HIT:* ]] && print -r -- "\${line##*CFPULL-HIT:}"; done
exit 0
`

// Loaded the two documented ways: sourced after compinit, or autoloaded as _cfpull from $fpath.
const zshSetup = {
  sourced: () => `autoload -U compinit && compinit -u -D && source ${scripts.zsh}`,
  fpath: () => `fpath=(${join(dir, 'fpath')} $fpath) && autoload -U compinit && compinit -u -D`,
}

async function zsh(line: string, how: keyof typeof zshSetup = 'sourced'): Promise<string[]> {
  const r = await execa('zsh', ['-f', join(dir, 'drive.zsh'), zshSetup[how](), line], { cwd: dir, timeout: 90_000 })
  return r.stdout.split('\n').filter(Boolean)
}

async function fish(line: string): Promise<string[]> {
  const r = await execa('fish', ['--no-config', '-c', `source ${scripts.fish}; complete -C ${JSON.stringify(line)}`], {
    cwd: dir,
  })
  // complete -C prints "candidate<TAB>description", in fish's own order.
  return sorted(
    r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t')[0]!),
  )
}

const sorted = (xs: readonly string[]) => [...xs].sort()
const newestFirst = [...knownChartVersions()].reverse()
const services1_12_16 = chartInfo('1.12.16').services

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cfpull-completion-'))
  for (const shell of ['bash', 'zsh', 'fish']) {
    scripts[shell] = join(dir, `cfpull.${shell}`)
    writeFileSync(scripts[shell], await script(shell))
  }
  writeFileSync(join(dir, 'drive.zsh'), ZSH_DRIVER)
  mkdirSync(join(dir, 'fpath'))
  copyFileSync(scripts.zsh!, join(dir, 'fpath', '_cfpull'))
  writeFileSync(join(dir, 'values.yaml'), 'console: {}\n')
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

// Each zsh line starts zsh with compinit, which waits on the scheduler more than it computes
// (10 s for 1.4 s of CPU at load 20): the timeouts allow for a busy machine.
describe('cfpull completion', { timeout: 180_000 }, () => {
  it('bash: commands, completion shells, flags and their values, in a real bash', async () => {
    expect(await bash(['cfpull', ''])).toEqual([
      'patch',
      'create-secret',
      'apply',
      'doctor',
      'images',
      'mirror',
      'charts',
      'completion',
      'version',
      '--help',
      '--version',
    ])
    expect(await bash(['cfpull', 'completion', ''])).toEqual(['bash', 'zsh', 'fish'])
    expect(await bash(['cfpull', 'patch', '--plu'])).toEqual(['--plugins', '--plugin-registry'])
    expect(await bash(['cfpull', 'patch', '--plugins', 'r'])).toEqual(['registry'])
    expect(await bash(['cfpull', 'patch', '--plugins', '=', 'c'])).toEqual(['connector'])
    expect(await bash(['cfpull', 'patch', '--plugin-registry', ''])).toEqual([
      'DOCKER_HUB',
      'AWS_PRIVATE_ECR',
      'HARBOR',
      'GCP_PRIVATE_GCR',
      'GITHUB',
    ])
    expect(await bash(['cfpull', 'patch', '--chart-version', ''])).toEqual(newestFirst)
    expect(await bash(['cfpull', 'apply', '--version', '1.12.1'])).toEqual(
      newestFirst.filter((v) => v.startsWith('1.12.1')),
    )
    // Services of the chart version on the line; after a comma, the rest of the list.
    expect(await bash(['cfpull', 'patch', '--services', ''])).toEqual(chartInfo().services)
    expect(await bash(['cfpull', 'patch', '--chart-version', '1.12.16', '--exclude', 'console,co'])).toEqual(
      services1_12_16.filter((s) => s.startsWith('co') && s !== 'console').map((s) => `console,${s}`),
    )
    expect(await bash(['cfpull', 'apply', '--restart', ''])).toEqual(['auto', 'delete', 'rollout', 'none'])
    expect(await bash(['cfpull', 'create-secret', '-o', ''])).toEqual(['yaml', 'json'])
    expect(await bash(['cfpull', 'doctor', '-o', ''])).toEqual(['json', 'yaml'])
    expect(await bash(['cfpull', 'charts', '--output', ''])).toEqual(['json', 'yaml'])
    expect(await bash(['cfpull', 'images', '-o', ''])).toEqual(['table', 'list', 'json', 'yaml', 'skopeo-sync'])
    expect(await bash(['cfpull', 'images', '--plugin-images', ''])).toEqual(['none', 'managed', 'cluster', 'all'])
    expect(await bash(['cfpull', 'patch', '-o', 'val'])).toEqual(['values.yaml'])
    expect(await bash(['cfpull', 'patch', 'val'])).toEqual(['values.yaml'])
    // A flag whose value is free text offers nothing (not file names).
    expect(await bash(['cfpull', 'patch', '--secret', ''])).toEqual([])
    expect(await bash(['cfpull', 'create-secret', '--password'])).toEqual(['--password-stdin'])
    expect(await bash(['cfpull', 'mirror', '--dest-pa'])).toEqual(['--dest-password-stdin'])
  })

  it('zsh: the same, through compinit and TAB in a real zsh', async () => {
    expect(sorted(await zsh('cfpull '))).toEqual(
      sorted(['patch', 'create-secret', 'apply', 'doctor', 'images', 'mirror', 'charts', 'completion', 'version']),
    )
    expect(sorted(await zsh('cfpull completion '))).toEqual(['bash', 'fish', 'zsh'])
    expect(sorted(await zsh('cfpull patch --plu'))).toEqual(['--plugin-registry', '--plugins'])
    expect(sorted(await zsh('cfpull patch --plugin-registry '))).toEqual(
      sorted(['DOCKER_HUB', 'AWS_PRIVATE_ECR', 'HARBOR', 'GCP_PRIVATE_GCR', 'GITHUB']),
    )
    expect(sorted(await zsh('cfpull patch --chart-version 1.12.1'))).toEqual(
      sorted(newestFirst.filter((v) => v.startsWith('1.12.1'))),
    )
    expect(sorted(await zsh('cfpull patch --chart-version 1.12.16 --services console,co'))).toEqual(
      sorted(services1_12_16.filter((s) => s.startsWith('co') && s !== 'console')),
    )
    expect(sorted(await zsh('cfpull apply --restart '))).toEqual(['auto', 'delete', 'none', 'rollout'])
    expect(sorted(await zsh('cfpull create-secret -o '))).toEqual(['json', 'yaml'])
    // The same script autoloaded from $fpath (cfpull completion zsh > "\${fpath[1]}/_cfpull").
    expect(sorted(await zsh('cfpull completion ', 'fpath'))).toEqual(['bash', 'fish', 'zsh'])
    expect(sorted(await zsh('cfpull patch --chart-version 1.12.16 --services console,co', 'fpath'))).toEqual(
      sorted(services1_12_16.filter((s) => s.startsWith('co') && s !== 'console')),
    )
  })

  it('fish: the same, answered by complete -C in a real fish', async () => {
    expect(await fish('cfpull ')).toEqual(
      sorted(['patch', 'create-secret', 'apply', 'doctor', 'images', 'mirror', 'charts', 'completion', 'version']),
    )
    expect(await fish('cfpull completion ')).toEqual(['bash', 'fish', 'zsh'])
    expect(await fish('cfpull patch --plu')).toEqual(['--plugin-registry', '--plugins'])
    expect(await fish('cfpull patch --plugin-registry ')).toEqual(
      sorted(['DOCKER_HUB', 'AWS_PRIVATE_ECR', 'HARBOR', 'GCP_PRIVATE_GCR', 'GITHUB']),
    )
    expect(await fish('cfpull patch --chart-version 1.12.1')).toEqual(
      sorted(newestFirst.filter((v) => v.startsWith('1.12.1'))),
    )
    expect(await fish('cfpull patch --chart-version 1.12.16 --services console,co')).toEqual(
      sorted(services1_12_16.filter((s) => s.startsWith('co') && s !== 'console').map((s) => `console,${s}`)),
    )
    expect(await fish('cfpull apply --restart ')).toEqual(['auto', 'delete', 'none', 'rollout'])
    expect(await fish('cfpull create-secret -o ')).toEqual(['json', 'yaml'])
    expect(await fish('cfpull patch val')).toEqual(['values.yaml'])
    expect(await fish('cfpull images --plugin-images ')).toEqual(['all', 'cluster', 'managed', 'none'])
  })

  it('an unknown shell is a usage error', async () => {
    const r = await runCli(['completion', 'tcsh'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(
      "error: command-argument value 'tcsh' is invalid for argument 'shell'. Allowed choices are bash, zsh, fish.",
    )
  })
})
