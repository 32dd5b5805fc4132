import { Argument, type Command } from 'commander'
import type { ProgramContext } from './options.js'

const HELP_AFTER = `
Examples:
  $ eval "$(cfpull completion bash)"                                   # in ~/.bashrc
  $ cfpull completion zsh > "\${fpath[1]}/_cfpull"
  $ cfpull completion fish > ~/.config/fish/completions/cfpull.fish`

/** `cfpull completion <shell>`: the script is made from the program itself, so it knows every flag. */
export function addCompletionCommand(program: Command, { report }: ProgramContext): void {
  program
    .command('completion')
    .description('print a shell completion script for cfpull')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(['bash', 'zsh', 'fish']))
    .addHelpText('after', HELP_AFTER)
    .action(async (shell: 'bash' | 'zsh' | 'fish') => {
      const { completionScript } = await import('../completion.js')
      report.data(completionScript(shell, program))
    })
}
