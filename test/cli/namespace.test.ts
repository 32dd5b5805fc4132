import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Runner } from '../../src/adapters/run.js'
import { chart, useApplyEnv } from '../helpers/apply-env.js'
import { startCluster } from '../helpers/cluster.js'
import { writeKubeconfig } from '../helpers/kubeconfig.js'
import { recordingRunner } from '../helpers/recording-runner.js'
import { runCli } from '../helpers/run-cli.js'
import { toolPath } from '../helpers/tools.js'

// -n as kubectl takes it: given, else the kubeconfig context's namespace when the context sets
// one; else apply asks for -n (exit 2, nothing asked of the cluster), doctor and images keep
// spaceone. Every report says where its namespace came from.

const example = join(import.meta.dirname, '../../examples/values.yaml')
const env = { CFPULL_KUBECTL: toolPath('kubectl'), CFPULL_HELM: toolPath('helm') }
const noTools: Runner = async (file, args) => {
  throw new Error(`unexpected tool call: ${file} ${args.join(' ')}`)
}

describe('apply', () => {
  const e = useApplyEnv()
  const apply = async (kubeconfig: string, extra: string[]) => {
    const rec = recordingRunner()
    const r = await runCli(
      ['apply', '-f', e.values, '--chart', chart, '--kubeconfig', kubeconfig, '--no-pull-check', ...extra],
      { run: rec.run, env },
    )
    return { ...r, calls: rec.calls }
  }

  it('no -n and a context that sets none: exit 2, pass -n, nothing but the kubeconfig read', async () => {
    const r = await apply(e.kubeconfig, [])
    expect([r.code, r.stdout]).toEqual([2, ''])
    expect(r.stderr).toBe(
      "error: no namespace: -n is not given and the kubeconfig context fake sets no namespace; pass -n <namespace> (the release's namespace)\n",
    )
    expect(r.calls.map((c) => c.args.slice(2).join(' '))).toEqual([
      'config view --minify -o jsonpath={.current-context}{"\\n"}{.contexts[0].context.namespace}',
    ])
    expect(e.api.writes()).toEqual([])
    const json = await apply(e.kubeconfig, ['--json'])
    expect(JSON.parse(json.stdout)).toMatchObject({ command: 'apply', exitCode: 2, error: { type: 'UsageError' } })
  })

  it('no -n and a context that sets spaceone: that namespace, said to come from the context', async () => {
    const withNs = writeKubeconfig(e.dir, e.api.url, { namespace: 'spaceone', fileName: 'kubeconfig-ns' })
    const implied = await apply(withNs, ['--dry-run', '--json'])
    const given = await apply(e.kubeconfig, ['--dry-run', '--json', '-n', 'spaceone'])
    expect(implied.code, implied.stderr).toBe(0)
    const doc = JSON.parse(implied.stdout)
    expect([doc.namespace, doc.namespaceFrom]).toEqual(['spaceone', 'kubeconfig context fake'])
    expect(JSON.parse(given.stdout).namespaceFrom).toBe('-n')
    // The same run in every other respect: the same plan, the same steps.
    const plan = (s: string) => {
      const { namespaceFrom: _n, steps, ...rest } = JSON.parse(s)
      return { ...rest, steps: steps.map((x: { name: string; commands: string[][] }) => [x.name, x.commands.length]) }
    }
    expect(plan(implied.stdout)).toEqual(plan(given.stdout))
    const human = await apply(withNs, ['--dry-run'])
    expect(human.stdout.split('\n')[0]).toBe('namespace spaceone (from kubeconfig context fake)')
    expect(e.api.writes()).toEqual([])
  })
})

describe('doctor and images', () => {
  it('doctor --cluster: the context namespace when it sets one, else spaceone; -n wins', async () => {
    const { api, dir, kubeconfig } = await startCluster(['default', 'team-a', 'spaceone'], { helm: true })
    const withNs = writeKubeconfig(dir, api.url, { namespace: 'team-a', fileName: 'kubeconfig-ns' })
    const doctor = async (kc: string, extra: string[] = []) => {
      const rec = recordingRunner()
      const r = await runCli(
        ['doctor', '-f', example, '-s', 'x', '--cluster', '--kubeconfig', kc, '--json', ...extra],
        {
          run: rec.run,
          env,
        },
      )
      const doc = JSON.parse(r.stdout)
      const helmList = rec.calls.find((c) => c.args[0] === 'list')!.args
      return [doc.namespace, doc.namespaceFrom, helmList[helmList.indexOf('-n') + 1]]
    }
    expect(await doctor(withNs)).toEqual(['team-a', 'kubeconfig context fake', 'team-a'])
    expect(await doctor(kubeconfig)).toEqual(['spaceone', 'default', 'spaceone'])
    expect(await doctor(withNs, ['-n', 'spaceone'])).toEqual(['spaceone', '-n', 'spaceone'])
    const human = await runCli(['doctor', '-f', example, '-s', 'x', '--cluster', '--kubeconfig', withNs], { env })
    expect(human.stdout.split('\n')[0]).toBe(
      `cfpull doctor ${example} (chart 2.0.0-dev35, from the default) + cluster: release cloudforet in namespace team-a (from kubeconfig context fake)`,
    )
  })

  it('doctor without --cluster reads no kubeconfig: spaceone, the default', async () => {
    const r = await runCli(['doctor', '-f', example, '-s', 'x', '--json'], { run: noTools })
    expect(JSON.parse(r.stdout)).toMatchObject({ namespace: 'spaceone', namespaceFrom: 'default', valuesFrom: 'file' })
  })

  it('images --cluster: the context namespace, said on stderr and in the document', async () => {
    const { api, dir } = await startCluster(['default', 'team-a'], { helm: true })
    const withNs = writeKubeconfig(dir, api.url, { namespace: 'team-a', fileName: 'kubeconfig-ns' })
    const args = ['images', '-f', example, '--cluster', '--kubeconfig', withNs, '--plugin-images', 'none']
    const json = await runCli([...args, '--json'], { env })
    expect(JSON.parse(json.stdout)).toMatchObject({ namespace: 'team-a', namespaceFrom: 'kubeconfig context fake' })
    const table = await runCli(args, { env })
    expect(table.stderr).toContain('namespace team-a (from kubeconfig context fake)\n')
  })
})
