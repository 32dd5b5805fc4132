// apply's credentials check in front of a legacy `kubernetes.io/dockercfg` Secret (the `.dockercfg`
// map `docker login` wrote before 1.7), holding ghcr.io and Docker Hub, while an image moved to
// harbor.example.com. create-secret writes over such a Secret only with --replace (its type cannot
// change in place; --replace converts it and keeps every registry), so the fix line apply prints
// must carry it: pasted into sh as printed, it converges, and nothing the Secret held is lost.
import { readFileSync, writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { useApplyEnv } from '../helpers/apply-env.js'
import { pasteFixLine } from '../helpers/paste.js'

const e = useApplyEnv()
const b64 = (s: string) => Buffer.from(s).toString('base64')
const GHCR = { username: 'octo', password: 'ghp-keep', email: 'octo@example.com', auth: b64('octo:ghp-keep') }
const HUB = { auth: b64('hubuser:hub-keep') }
const HARBOR = { username: 'robot', password: 'Harbor-Pa55', auth: b64('robot:Harbor-Pa55') }

const stored = () => {
  const s = e.api.get('Secret', 'cloudforet', 'my-credential') as { type: string; data: Record<string, string> }
  const field = s.type === 'kubernetes.io/dockercfg' ? '.dockercfg' : '.dockerconfigjson'
  return { type: s.type, config: JSON.parse(Buffer.from(s.data[field]!, 'base64').toString()) as unknown }
}

describe('cfpull apply and a kubernetes.io/dockercfg Secret that does not cover an image host', () => {
  it('the fix line carries --replace, and pasted into sh it converges keeping every registry; the failed apply wrote nothing', async () => {
    e.api.objects.delete('Secret/cloudforet/my-credential')
    e.api.seed({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'my-credential', namespace: 'cloudforet' },
      type: 'kubernetes.io/dockercfg',
      data: { '.dockercfg': b64(JSON.stringify({ 'ghcr.io': GHCR, 'https://index.docker.io/v1/': HUB })) },
    })
    writeFileSync(
      e.values,
      readFileSync(e.values, 'utf8').replace('name: cloudforet/console', 'name: harbor.example.com/cloudforet/console'),
    )

    const r = await e.apply(['--json'])
    expect(r.code, r.stderr).toBe(3)
    expect(e.api.writes()).toEqual([])
    const doc = JSON.parse(r.stdout) as { findings: Array<{ message: string; fix?: string }> }
    expect(doc.findings.map((f) => ({ message: e.tidy(f.message), fix: e.tidy(f.fix ?? '') }))).toEqual([
      {
        message:
          'no entry of Secret my-credential in namespace cloudforet covers harbor.example.com, where 1 image of the upgraded release comes from (harbor.example.com/cloudforet/console:1.12.12); the Secret has entries for ghcr.io, https://index.docker.io/v1/',
        fix: 'cfpull create-secret --name my-credential -n cloudforet --docker-server harbor.example.com --docker-username "${REGISTRY_USER:?set REGISTRY_USER to your registry user name}" --password-stdin --replace --kubeconfig <tmp>/kubeconfig',
      },
    ])

    // As a user pastes it: sh, the placeholder set, the password on stdin, cfpull on PATH.
    const sh = await pasteFixLine(doc.findings[0]!.fix!, {
      dir: e.dir,
      input: 'Harbor-Pa55\n',
      env: { REGISTRY_USER: 'robot' },
    })
    expect(sh.exitCode, sh.stderr).toBe(0)
    expect(sh.stdout).toContain('✔ cloudforet: replaced (registries: ghcr.io, harbor.example.com, docker.io)')
    // Converted, the two registries it held kept as they were, the new one added.
    expect(stored()).toEqual({
      type: 'kubernetes.io/dockerconfigjson',
      config: { auths: { 'ghcr.io': GHCR, 'harbor.example.com': HARBOR, 'https://index.docker.io/v1/': HUB } },
    })

    // Converged: the same apply now passes its preflight.
    const again = await e.apply(['--dry-run', '--json'])
    expect(again.code, again.stderr).toBe(0)
    expect(JSON.parse(again.stdout).findings).toEqual([])
  })
})
