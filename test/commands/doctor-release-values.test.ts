import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { execa } from 'execa'
import { describe, expect, it } from 'vitest'
import { startCluster } from '../helpers/cluster.js'
import { helmReleaseSecret } from '../helpers/helm-release.js'
import { recordingRunner } from '../helpers/recording-runner.js'
import { runCli } from '../helpers/run-cli.js'
import { toolPath } from '../helpers/tools.js'

// doctor --cluster with no -f reads what the release runs with (helm get values --all), not a
// ./values.yaml that may be stale, and says so. Those values hold passwords: none of them may
// reach stdout, stderr or the document, whatever the output format or level.

const SENTINEL = 'Sentinel-Pa55-Zq9'
const repo = join(import.meta.dirname, '../..')

// A 2.x release patched for my-credential everywhere but identity, with passwords beside.
const releaseValues = {
  global: { namespace: 'spaceone', shared_conf: { TOKEN: SENTINEL } },
  mongodb: { auth: { rootPassword: SENTINEL } },
  console: { imagePullSecrets: [{ name: 'my-credential' }] },
  identity: { database: { password: SENTINEL } },
}

async function cluster(config: Record<string, unknown> = releaseValues) {
  const c = await startCluster(['default', 'spaceone'], { helm: true })
  c.api.seed(
    helmReleaseSecret({
      release: 'cloudforet',
      namespace: 'spaceone',
      chart: 'spaceone',
      version: '2.0.0-dev35',
      config,
    }),
  )
  return c
}

const env = { CFPULL_KUBECTL: toolPath('kubectl'), CFPULL_HELM: toolPath('helm') }

describe('doctor --cluster without -f: the release values', () => {
  it('reads them with helm get values --all, says so, and never shows them (human, --json, -o yaml, --verbose)', async () => {
    const { kubeconfig } = await cluster()
    const base = ['doctor', '--cluster', '-n', 'spaceone', '--kubeconfig', kubeconfig]
    const rec = recordingRunner()
    const human = await runCli(base, { run: rec.run, env })
    expect(rec.calls.map((c) => c.args.join(' '))).toContain(
      `get values cloudforet -n spaceone --all -o yaml --kubeconfig ${kubeconfig}`,
    )
    expect(human.stdout.split('\n')[0]).toBe(
      'cfpull doctor the values of release cloudforet (helm get values --all) (chart 2.0.0-dev35, from the deployed release) + cluster: release cloudforet in namespace spaceone (from -n)',
    )
    // identity has no secret in the release's values: found from them, not from a file.
    expect(human.stdout).toMatch(/identity +yes/)
    expect(human.stdout).toContain('console  ')
    const json = await runCli([...base, '--json'], { env })
    const doc = JSON.parse(json.stdout)
    expect(doc).toMatchObject({
      values: null,
      valuesFrom: 'release',
      release: 'cloudforet',
      namespace: 'spaceone',
      namespaceFrom: '-n',
    })
    // A fix names the values file the user keeps, as a placeholder the shell refuses unset.
    const fixes = (doc.findings as Array<{ fix?: string }>).flatMap((f) => (f.fix ? [f.fix] : []))
    expect(
      fixes.some((f) =>
        f.includes('"${VALUES_FILE:?set VALUES_FILE to the values file the release is installed from}"'),
      ),
    ).toBe(true)
    const yaml = await runCli([...base, '-o', 'yaml'], { env })
    const verbose = await runCli([...base, '--verbose'], { env })
    for (const r of [human, json, yaml, verbose]) {
      expect(r.stdout + r.stderr).not.toContain(SENTINEL)
      expect(r.stdout + r.stderr).not.toContain('shared_conf')
    }
  })

  it('values of wrong shapes where doctor reads: reported, never quoted', async () => {
    const wrong = {
      ...releaseValues,
      console: { imagePullSecrets: [SENTINEL] },
      identity: { imagePullSecrets: SENTINEL },
      supervisor: SENTINEL,
    }
    const { kubeconfig } = await cluster(wrong)
    const base = ['doctor', '--cluster', '-n', 'spaceone', '--kubeconfig', kubeconfig, '-s', 'my-credential']
    const human = await runCli([...base, '--verbose'], { env })
    const json = await runCli([...base, '--json'], { env })
    expect(human.code).toBe(6)
    expect(JSON.parse(json.stdout).valuesFrom).toBe('release')
    for (const r of [human, json]) expect(r.stdout + r.stderr).not.toContain(SENTINEL)
  })

  it('no such release: exit 2, naming -f, --release and -n', async () => {
    const { kubeconfig } = await cluster()
    const r = await runCli(
      ['doctor', '--cluster', '-n', 'spaceone', '--release', 'other', '--kubeconfig', kubeconfig],
      {
        env,
      },
    )
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr:
        "error: no release other in namespace spaceone to read the values of: pass -f <values file>, or the release's --release and -n\n",
    })
  })

  it('even when ./values.yaml exists (the built CLI, run in that directory); -f still reads the file', async () => {
    const { dir, kubeconfig, env: clusterEnv } = await cluster()
    // A stale file that names another secret: had doctor read it, the secret would be stale-secret.
    writeFileSync(
      join(dir, 'values.yaml'),
      'global:\n  namespace: spaceone\nconsole:\n  imagePullSecrets: [{name: stale-secret}]\n',
    )
    const cfpull = (args: string[]) =>
      execa(process.execPath, [join(repo, 'bin/cfpull.js'), ...args], {
        cwd: dir,
        reject: false,
        extendEnv: false,
        env: { ...env, ...clusterEnv, HOME: dir, PATH: process.env.PATH ?? '' },
      })
    const base = ['doctor', '--cluster', '-n', 'spaceone', '--kubeconfig', kubeconfig, '--json']
    const fromRelease = JSON.parse((await cfpull(base)).stdout)
    expect([fromRelease.valuesFrom, fromRelease.secrets]).toEqual(['release', ['my-credential']])
    const fromFile = JSON.parse((await cfpull([...base, '-f', 'values.yaml'])).stdout)
    expect([fromFile.valuesFrom, fromFile.values, fromFile.secrets]).toEqual(['file', 'values.yaml', ['stale-secret']])
  })
})
