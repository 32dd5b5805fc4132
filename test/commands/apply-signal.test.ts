import { join } from 'node:path'
import { execa } from 'execa'
import { describe, expect, it } from 'vitest'
import { readHelmRelease } from '../helpers/helm-release.js'
import { toolPath } from '../helpers/tools.js'
import { applyArgs, plugin, useApplyEnv } from '../helpers/apply-env.js'

// The built CLI in a process group of its own, interrupted the way a terminal's Ctrl-C does it:
// SIGINT to the whole foreground group. helm upgrade must not be in that group (a helm that gets
// SIGINT cancels the upgrade and leaves a failed revision), and cfpull must wait for it.
const e = useApplyEnv()
const bin = join(import.meta.dirname, '../../bin/cfpull.js')

function startApply(extra: string[] = []) {
  return execa(
    process.execPath,
    [
      bin,
      ...applyArgs(e.values),
      '--kubeconfig',
      e.kubeconfig,
      '--restart',
      'none',
      // The install's images are on Docker Hub, which tests cannot reach (see helpers/apply-env.ts).
      '--no-pull-check',
      ...extra,
    ],
    {
      reject: false,
      detached: true,
      extendEnv: false,
      env: {
        ...e.env,
        PATH: process.env.PATH ?? '',
        HOME: e.dir,
        NO_COLOR: '1',
        CFPULL_KUBECTL: toolPath('kubectl'),
        CFPULL_HELM: toolPath('helm'),
      },
    },
  )
}

const release = (revision: number) => {
  const s = e.api.get('Secret', 'spaceone', `sh.helm.release.v1.cloudforet.v${revision}`)
  return s ? readHelmRelease(s).info.status : undefined
}

async function until(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('cfpull apply interrupted during helm upgrade', () => {
  it('SIGINT: helm is not killed, cfpull says so, waits, and reports the state helm left', async () => {
    // A slow API server: helm's first Deployment write hangs for 3 s, mid-upgrade.
    e.api.delayNext({ method: 'POST', pathIncludes: '/deployments' }, 3000)
    const child = startApply()
    await until('helm to begin the upgrade', () => release(2) === 'pending-upgrade')
    process.kill(-child.pid!, 'SIGINT')
    const r = await child
    expect(r.exitCode, r.stderr).toBe(130)
    // helm finished its upgrade: a killed helm would have left revision 2 pending or failed.
    expect(release(2)).toBe('deployed')
    expect(e.api.get('Deployment', 'cloudforet', 'console').spec.template.spec.imagePullSecrets).toEqual([
      { name: 'my-credential' },
    ])
    expect(e.tidy(r.stderr)).toContain(
      'warning: SIGINT: helm upgrade is still running and will finish or fail on its own (stopping it half-way would leave the release failed); waiting for it, then cfpull stops. SIGINT again stops the waiting, not helm.\n',
    )
    // (execa strips the final newline.)
    expect(e.tidy(r.stderr)).toContain(
      'error: interrupted by SIGINT: helm upgrade was left to finish; helm status: revision 2, deployed\n  the restarts and the plugin step did not run; check with: helm status cloudforet -n spaceone --kubeconfig <tmp>/kubeconfig, then run cfpull apply again: cfpull apply -n spaceone -f <tmp>/values.yaml --chart <chart> --restart none --no-pull-check --kubeconfig <tmp>/kubeconfig',
    )
    expect(e.tidy(r.stdout)).toMatch(
      /\n! helm upgrade \(t\): cloudforet upgraded with local chart <chart>, spaceone-mini-0.1.0 from its Chart.yaml$/,
    )
    expect(r.stdout).not.toContain('plugins')
  })

  it('a second signal stops the waiting, not helm: helm finishes on its own after cfpull exits', async () => {
    e.api.delayNext({ method: 'POST', pathIncludes: '/deployments' }, 4000)
    const child = startApply(['--json'])
    await until('helm to begin the upgrade', () => release(2) === 'pending-upgrade')
    process.kill(-child.pid!, 'SIGTERM')
    await until('the notice', () => false, 300).catch(() => undefined)
    process.kill(-child.pid!, 'SIGTERM')
    const r = await child
    expect(r.exitCode, r.stderr).toBe(130)
    const doc = JSON.parse(r.stdout)
    expect(doc.interrupted).toEqual({
      signal: 'SIGTERM',
      step: 'helm upgrade',
      stoppedWaiting: true,
      helmState: 'revision 2, pending-upgrade',
    })
    expect(doc.steps.map((s: { name: string; status: string }) => `${s.name} ${s.status}`)).toEqual([
      'preflight ok',
      'helm upgrade interrupted',
    ])
    expect(doc.changed).toEqual(['helm upgrade'])
    // cfpull is gone; helm, in its own process group, completes the upgrade.
    await until('helm to finish by itself', () => release(2) === 'deployed')
  })
})

describe('cfpull apply interrupted during --recreate-plugins', () => {
  const ns = 'cloudforet-plugin'
  const seedStale = () => {
    for (const o of [...plugin('plugin-aws-ec2-inven', []), ...plugin('plugin-google-cloud-inven', [])]) e.api.seed(o)
  }
  const deleteOfA = { method: 'DELETE', pathIncludes: '/deployments/plugin-aws-ec2-inven-a1b2c3' }
  const arrived = () =>
    e.api.requests.some((q) => q.method === 'DELETE' && q.path.endsWith('/plugin-aws-ec2-inven-a1b2c3'))

  it('SIGINT mid-delete: the plugin under way is finished (Deployment and Service), the next is not started, exit 130', async () => {
    seedStale()
    // The Deployment's DELETE hangs 2 s at the server: the signal arrives while it is in flight.
    e.api.delayNext(deleteOfA, 2000)
    const child = startApply(['--recreate-plugins'])
    await until('the first plugin delete', arrived)
    process.kill(-child.pid!, 'SIGINT')
    const r = await child
    expect(r.exitCode, r.stderr).toBe(130)
    // No Service is left without its Deployment; the second plugin was not touched.
    expect(e.api.get('Deployment', ns, 'plugin-aws-ec2-inven-a1b2c3')).toBeUndefined()
    expect(e.api.get('Service', ns, 'plugin-aws-ec2-inven-a1b2c3')).toBeUndefined()
    expect(e.api.get('Deployment', ns, 'plugin-google-cloud-inven-a1b2c3')).toBeTruthy()
    expect(e.api.get('Service', ns, 'plugin-google-cloud-inven-a1b2c3')).toBeTruthy()
    expect(e.tidy(r.stderr)).toContain(
      'warning: SIGINT: finishing the plugin being deleted (its Deployment and Service, at most 10s), then cfpull stops. SIGINT again stops at once.\n',
    )
    expect(e.tidy(r.stderr)).toContain(
      [
        'error: interrupted by SIGINT during plugins cloudforet-plugin: cfpull finished what was under way, then stopped',
        '  changed before it: helm upgrade',
        '  done: plugin-aws-ec2-inven 1.0: deleted Deployment plugin-aws-ec2-inven-a1b2c3 and Service plugin-aws-ec2-inven-a1b2c3',
        '  not started: plugin-google-cloud-inven 1.0: kubectl delete -n cloudforet-plugin deployment/plugin-google-cloud-inven-a1b2c3 service/plugin-google-cloud-inven-a1b2c3 --ignore-not-found --kubeconfig <tmp>/kubeconfig',
      ].join('\n'),
    )
    expect(e.tidy(r.stdout)).toContain(
      '! plugins cloudforet-plugin (t): deleted the Deployment and Service of plugin-aws-ec2-inven 1.0; stopped by SIGINT',
    )
  })

  it('one SIGINT and a delete that hangs: the unit gets at most 10 s, then cfpull stops, listing it half-done with its command', async () => {
    seedStale()
    // The Deployment's DELETE, and the one run again after the signal, hang far past the bound.
    e.api.delayNext(deleteOfA, 30_000, 2)
    const child = startApply(['--recreate-plugins'])
    await until('the first plugin delete', arrived)
    process.kill(-child.pid!, 'SIGINT')
    const signalled = Date.now()
    const r = await child
    const took = Date.now() - signalled
    expect(r.exitCode, r.stderr).toBe(130)
    // The bound, not the server's 30 s: stopped 10 s after the signal (with some slack for the exit).
    expect(took).toBeGreaterThanOrEqual(9_500)
    expect(took).toBeLessThan(15_000)
    const kc = e.kubeconfig
    expect(r.stderr).toContain(
      [
        'error: interrupted by SIGINT during plugins cloudforet-plugin: what was under way did not finish in the time it had, so cfpull stopped and left it half-done',
        '  changed before it: helm upgrade',
        `  half-done: plugin-aws-ec2-inven 1.0: Deployment plugin-aws-ec2-inven-a1b2c3 and Service plugin-aws-ec2-inven-a1b2c3 may remain; complete it with: kubectl delete -n ${ns} deployment/plugin-aws-ec2-inven-a1b2c3 service/plugin-aws-ec2-inven-a1b2c3 --ignore-not-found --kubeconfig ${kc}`,
        `  not started: plugin-google-cloud-inven 1.0: kubectl delete -n ${ns} deployment/plugin-google-cloud-inven-a1b2c3 service/plugin-google-cloud-inven-a1b2c3 --ignore-not-found --kubeconfig ${kc}`,
      ].join('\n'),
    )
    expect(r.stdout).toMatch(
      /^! plugins cloudforet-plugin \(\d+\.\ds\): deleted the Deployment and Service of none; stopped by SIGINT$/m,
    )
    // Nothing of the second plugin was touched.
    expect(e.api.get('Deployment', ns, 'plugin-google-cloud-inven-a1b2c3')).toBeTruthy()
    expect(e.api.get('Service', ns, 'plugin-google-cloud-inven-a1b2c3')).toBeTruthy()
  })

  it('a second SIGINT stops at once: the unit is listed half-done with the one command that completes it, and that command does', async () => {
    seedStale()
    // The first DELETE and the one run again after the signal both hang.
    e.api.delayNext(deleteOfA, 4000, 2)
    const child = startApply(['--recreate-plugins', '--json'])
    await until('the first plugin delete', arrived)
    process.kill(-child.pid!, 'SIGINT')
    await until('the delete run again', () => e.api.requests.filter((q) => q.method === 'DELETE').length >= 2)
    process.kill(-child.pid!, 'SIGINT')
    const r = await child
    expect(r.exitCode, r.stderr).toBe(130)
    const doc = JSON.parse(r.stdout)
    expect(doc.interrupted).toEqual({ signal: 'SIGINT', step: 'plugins cloudforet-plugin', stoppedWaiting: true })
    const complete = `kubectl delete -n ${ns} deployment/plugin-aws-ec2-inven-a1b2c3 service/plugin-aws-ec2-inven-a1b2c3 --ignore-not-found --kubeconfig ${e.kubeconfig}`
    expect(
      doc.units.map((u: { name: string; status: string; complete: string }) => [u.name, u.status, u.complete]),
    ).toEqual([
      ['plugin-aws-ec2-inven 1.0', 'half-done', complete],
      [
        'plugin-google-cloud-inven 1.0',
        'not started',
        `kubectl delete -n ${ns} deployment/plugin-google-cloud-inven-a1b2c3 service/plugin-google-cloud-inven-a1b2c3 --ignore-not-found --kubeconfig ${e.kubeconfig}`,
      ],
    ])
    // The Service was not deleted: the printed command, pasted into a shell, completes the unit.
    expect(e.api.get('Service', ns, 'plugin-aws-ec2-inven-a1b2c3')).toBeTruthy()
    const sh = await execa('sh', ['-c', complete.replace(/^kubectl/, toolPath('kubectl'))], {
      reject: false,
      env: { ...e.env, HOME: e.dir },
    })
    expect(sh.exitCode, sh.stderr).toBe(0)
    await until('the held delete', () => !e.api.get('Deployment', ns, 'plugin-aws-ec2-inven-a1b2c3'), 10_000)
    expect(e.api.get('Service', ns, 'plugin-aws-ec2-inven-a1b2c3')).toBeUndefined()
  })
})
