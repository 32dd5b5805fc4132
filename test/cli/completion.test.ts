import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'

async function script(shell: string): Promise<string> {
  const r = await runCli(['completion', shell])
  expect(r.code).toBe(0)
  return r.stdout
}

// bash is on every machine the suite runs on, so its script is checked by running it.
function bashComplete(code: string, words: string[]): string {
  const program = `${code}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _cfpull; echo "\${COMPREPLY[*]}"`
  return execFileSync('bash', ['-c', program], { encoding: 'utf8' }).trim()
}

describe('cfpull completion', () => {
  it('bash: valid, and completes commands, flags and flag values', async () => {
    const code = await script('bash')
    execFileSync('bash', ['-n'], { input: code })
    expect(bashComplete(code, ['cfpull', ''])).toBe(
      'patch create-secret apply doctor charts completion --help --version',
    )
    expect(bashComplete(code, ['cfpull', 'cr'])).toBe('create-secret')
    expect(bashComplete(code, ['cfpull', 'patch', '--plu'])).toBe('--plugins --plugin-registry')
    expect(bashComplete(code, ['cfpull', 'patch', '--plugins', 'r'])).toBe('registry')
    expect(bashComplete(code, ['cfpull', 'apply', '--restart', ''])).toBe('auto delete rollout none')
    expect(bashComplete(code, ['cfpull', 'create-secret', '--password'])).toBe('--password-stdin')
  })

  it('zsh: one function per command with its flags and choices', async () => {
    const code = await script('zsh')
    expect(code.split('\n')[0]).toBe('#compdef cfpull')
    expect(code).toContain(
      `    '(-s --secret)'{-s,--secret}'[registry Secret name; repeat or comma-separate for several]:value:' \\\n`,
    )
    expect(code).toContain(
      `    '--restart[how pods pick up the secret\\: auto (wait for the rollouts helm starts, then delete only pods stuck pulling), delete (every release pod at once, the documented step), rollout (rollout restart + status), none]:value:(auto delete rollout none)' \\\n`,
    )
    expect(code).toContain(`    doctor) shift words; (( CURRENT-- )); _cfpull_doctor ;;\n`)
  })

  it('fish: subcommands and per-command flags', async () => {
    const code = await script('fish')
    expect(code).toContain(
      "complete -c cfpull -n __fish_use_subcommand -a doctor -d 'say exactly why an install cannot pull: from the values, and with --cluster from the cluster'\n",
    )
    expect(code).toContain(
      "complete -c cfpull -n '__fish_seen_subcommand_from patch' -l plugins -x -a 'auto connector registry none' -d 'how plugin pods get the secret: auto picks by supervisor image version'\n",
    )
    expect(code).toContain(
      "complete -c cfpull -n '__fish_seen_subcommand_from apply' -l values -s f -r -F -d 'the patched values file'\n",
    )
  })

  it('an unknown shell is a usage error', async () => {
    const r = await runCli(['completion', 'tcsh'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(
      "error: command-argument value 'tcsh' is invalid for argument 'shell'. Allowed choices are bash, zsh, fish.",
    )
  })
})
