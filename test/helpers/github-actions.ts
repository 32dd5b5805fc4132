import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Evaluator, Lexer, Parser, data } from '@actions/expressions'
import { NoOperationTraceWriter, isBasicExpression, isString, parseWorkflow } from '@actions/workflow-parser'
import { convertActionTemplate, parseAction, type ActionTemplate } from '@actions/workflow-parser/actions/index'
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token'
import { execa } from 'execa'

// GitHub's own parsers for action and workflow files (the ones behind the Actions language
// server), and a small runner for a composite action's `run` steps built on GitHub's expression
// evaluator. What it leaves out of the real runner: `uses:` steps, `if:`, the runner's own env.

/** Schema errors GitHub's parser reports for a workflow file, as `file (line:col): message`. */
export function workflowErrors(name: string, content: string): string[] {
  const r = parseWorkflow({ name, content }, new NoOperationTraceWriter())
  return r.context.errors.getErrors().map((e) => e.message)
}

/** Parses action.yml the way GitHub does; throws with every error it reports. */
export function loadAction(name: string, content: string): ActionTemplate {
  const r = parseAction({ name, content }, new NoOperationTraceWriter())
  const errors = r.context.errors.getErrors().map((e) => e.message)
  if (errors.length || !r.value) throw new Error(`${name} is not a valid action:\n${errors.join('\n')}`)
  return convertActionTemplate(r.context, r.value)
}

type Contexts = Record<string, unknown>

function toData(v: unknown): data.ExpressionData {
  if (typeof v === 'string') return new data.StringData(v)
  const d = new data.Dictionary()
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) d.add(k, toData(x))
  return d
}

/** A `${{ }}` template's value, evaluated by GitHub's expression library; literals as they are. */
export function evaluate(token: TemplateToken, contexts: Contexts): string {
  if (isString(token)) return token.value
  if (!isBasicExpression(token)) throw new Error(`unsupported template token at line ${token.range?.start.line}`)
  const lexed = new Lexer(token.expression).lex()
  const expr = new Parser(lexed.tokens, Object.keys(contexts), []).parse()
  return new Evaluator(expr, toData(contexts) as data.Dictionary).evaluate().coerceString()
}

/** A scalar template as written: a literal, or `${{ expression }}`. */
export function templateText(token: TemplateToken): string {
  if (isString(token)) return token.value
  if (isBasicExpression(token)) return `\${{ ${token.expression} }}`
  throw new Error(`unsupported template token at line ${token.range?.start.line}`)
}

/** $GITHUB_OUTPUT's two forms: name=value and name<<DELIMITER … DELIMITER. */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    const heredoc = /^([^=]+)<<(.+)$/.exec(line)
    if (heredoc) {
      const end = lines.indexOf(heredoc[2]!, i + 1)
      out[heredoc[1]!] = lines.slice(i + 1, end).join('\n')
      i = end
    } else if (line.includes('=')) out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1)
  }
  return out
}

export interface ActionRun {
  code: number
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
}

/**
 * Runs one `run` step of a composite action as the runner does: inputs (with their defaults) in
 * the `inputs` context, the step's `env:` evaluated, `shell: bash` as
 * `bash --noprofile --norc -eo pipefail <script>`, GITHUB_ACTION_PATH, GITHUB_OUTPUT and
 * GITHUB_STEP_SUMMARY files, then the action's `outputs:` evaluated from the step's outputs.
 */
export async function runActionStep(
  action: ActionTemplate,
  actionPath: string,
  stepId: string,
  workspace: string,
  withInputs: Record<string, string>,
): Promise<ActionRun> {
  if (action.runs.using !== 'composite') throw new Error('not a composite action')
  const step = action.runs.steps.find((s) => s.id === stepId)
  if (!step || !('run' in step)) throw new Error(`no run step with id ${stepId}`)
  for (const k of Object.keys(withInputs))
    if (!action.inputs?.some((i) => i.id === k)) throw new Error(`the action has no input ${k}`)
  const inputs: Record<string, string> = {}
  for (const i of action.inputs ?? []) {
    const v = withInputs[i.id] ?? (i.default ? evaluate(i.default, {}) : '')
    inputs[i.id] = v
  }
  const contexts = { inputs }
  const env: Record<string, string> = {}
  for (const { key, value } of step.env ?? []) env[key.toString()] = evaluate(value, contexts)

  const runnerTemp = mkdtempSync(join(tmpdir(), 'cfpull-runner-'))
  try {
    const output = join(runnerTemp, 'github-output')
    const summary = join(runnerTemp, 'step-summary.md')
    const script = join(runnerTemp, 'step.sh')
    writeFileSync(output, '')
    writeFileSync(summary, '')
    writeFileSync(script, evaluate(step.run, contexts))
    const r = await execa('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
      cwd: workspace,
      reject: false,
      extendEnv: false,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        CI: 'true',
        GITHUB_ACTIONS: 'true',
        GITHUB_WORKSPACE: workspace,
        RUNNER_TEMP: runnerTemp,
        GITHUB_ACTION_PATH: actionPath,
        GITHUB_OUTPUT: output,
        GITHUB_STEP_SUMMARY: summary,
        ...env,
      },
    })
    const steps = { [stepId]: { outputs: parseOutputFile(readFileSync(output, 'utf8')) } }
    const outputs: Record<string, string> = {}
    for (const o of action.outputs ?? []) if (o.value) outputs[o.id] = evaluate(o.value, { steps })
    return {
      code: r.exitCode ?? -1,
      stdout: r.stdout,
      stderr: r.stderr,
      outputs,
      summary: readFileSync(summary, 'utf8'),
    }
  } finally {
    rmSync(runnerTemp, { recursive: true, force: true })
  }
}
