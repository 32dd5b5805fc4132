import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { registrySecret, releaseRecord, useApplyEnv, type ApplyEnv } from '../helpers/apply-env.js'

const e = useApplyEnv()

const isAccessReview = (input?: string) => {
  if (!input?.startsWith('{')) return false
  const doc = JSON.parse(input) as { kind?: string; items?: Array<{ kind?: string }> }
  return doc.kind === 'List' && !!doc.items?.every((i) => i.kind === 'SelfSubjectAccessReview')
}

// Each case breaks exactly one thing of a working install. The gate: exit 3 (4 for a missing
// tool, as in every command), the one finding that names it, and not a single write request
// reached the API server.
const cases: Array<{
  kind: string
  args?: string[]
  env?: () => Record<string, string>
  breakIt?: (e: ApplyEnv) => void
  finding: RegExp
  code?: number
}> = [
  {
    kind: 'tool missing',
    code: 4,
    env: () => ({ CFPULL_HELM: join(e.dir, 'no-helm') }),
    finding: /^<tmp>\/no-helm not found: install helm or point CFPULL_HELM at it$/,
  },
  {
    kind: 'values unreadable',
    breakIt: (e) => writeFileSync(e.values, 'console:\n  image: [\n'),
    finding: /^<tmp>\/values\.yaml:2:10: the flow sequence that opens here with \[ is never closed with \]$/,
  },
  {
    kind: 'not patched',
    breakIt: (e) =>
      writeFileSync(
        e.values,
        readFileSync(e.values, 'utf8').replace(
          'board:\n  imagePullSecrets:\n    - name: my-credential\n',
          'board:\n  enabled: true\n',
        ),
      ),
    finding: /^<tmp>\/values\.yaml is not fully patched: 1 place lack my-credential \(board\.imagePullSecrets\)/,
  },
  {
    kind: 'release missing',
    args: ['--release', 'nope'],
    finding:
      /^release nope not found in namespace spaceone: cfpull apply upgrades an existing release and never installs one$/,
  },
  {
    kind: 'pending revision',
    breakIt: (e) => e.api.seed(releaseRecord({ revision: 2, status: 'pending-upgrade' })),
    finding:
      /^release cloudforet is pending-upgrade at revision 2: helm refuses to upgrade while an operation is in progress \(or was cut off\); revision 1 is the deployed one$/,
  },
  {
    kind: 'dropped values',
    breakIt: (e) => {
      e.api.objects.delete('Secret/spaceone/sh.helm.release.v1.cloudforet.v1')
      e.api.seed(releaseRecord({ config: { global: { namespace: 'prod' }, console: { replicas: 3 } } }))
    },
    finding:
      /^<tmp>\/values\.yaml drops or changes 2 values that revision 1 of cloudforet was installed with: global\.namespace \(changed\), console\.replicas \(changed\); helm upgrade with the file alone would move pods to other namespaces and lose them\./,
  },
  {
    kind: 'Secret missing',
    breakIt: (e) => e.api.objects.delete('Secret/cloudforet-plugin/my-credential'),
    finding: /^Secret my-credential is missing in namespace cloudforet-plugin$/,
  },
  {
    kind: 'wrong type',
    breakIt: (e) => {
      e.api.objects.delete('Secret/cloudforet/my-credential')
      e.api.seed(registrySecret('cloudforet', undefined, 'Opaque'))
    },
    finding:
      /^Secret my-credential in namespace cloudforet has type Opaque, not kubernetes\.io\/dockerconfigjson: pods cannot pull with it$/,
  },
  {
    // The case: Docker Hub credentials only, an image moved to a private registry.
    kind: 'Docker Hub credentials, an image from harbor.example.com',
    breakIt: (e) =>
      writeFileSync(
        e.values,
        readFileSync(e.values, 'utf8').replace(
          'name: cloudforet/console',
          'name: harbor.example.com/cloudforet/console',
        ),
      ),
    finding:
      /^no entry of Secret my-credential in namespace cloudforet covers harbor\.example\.com, where 1 image of the upgraded release comes from \(harbor\.example\.com\/cloudforet\/console:1\.12\.12\); the Secret has entries for https:\/\/index\.docker\.io\/v1\/$/,
  },
  {
    kind: 'credentials that do not cover an image host',
    breakIt: (e) => {
      e.api.objects.delete('Secret/cloudforet/my-credential')
      e.api.seed(registrySecret('cloudforet', ['harbor.example.com']))
    },
    finding:
      /^no entry of Secret my-credential in namespace cloudforet covers docker\.io, where 7 images of the upgraded release come from \(cloudforet\/console-api:1\.12\.0, nginx:stable, cloudforet\/console:1\.12\.12, …\); the Secret has entries for harbor\.example\.com$/,
  },
]

describe('cfpull apply: the gate', () => {
  it('the untouched install passes the preflight (so each case below fails for its own reason)', async () => {
    const r = await e.apply(['--dry-run', '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout).findings).toEqual([])
    expect(e.api.writes()).toEqual([])
  })

  for (const dryRun of [false, true])
    it.each(cases)(`${dryRun ? '--dry-run: ' : ''}$kind: one finding, its exit code, zero writes`, async (c) => {
      c.breakIt?.(e)
      const before = e.api.requests.length
      const r = await e.apply([...(c.args ?? []), '--json', ...(dryRun ? ['--dry-run'] : [])], {
        ...(c.env && { env: c.env() }),
      })
      expect(r.code, r.stderr).toBe(c.code ?? 3)
      expect(e.api.writes()).toEqual([])
      const doc = JSON.parse(r.stdout)
      expect(doc.findings.map((f: { message: string }) => e.tidy(f.message))).toEqual([
        expect.stringMatching(c.finding),
      ])
      // Nothing planned, nothing ran: the preflight is the only step, and it failed.
      expect(doc.steps.map((s: { name: string; status: string }) => `${s.name} ${s.status}`)).toEqual([
        'preflight failed',
      ])
      expect(doc.changed).toEqual([])
      // The preflight only read (no helm upgrade/rollback, no kubectl delete/apply/patch/rollout restart).
      // (An access review is created, never stored: it is a question, not a write.)
      for (const call of r.calls.filter((x) => !isAccessReview(x.input)))
        expect(call.args.join(' '), 'a cluster-changing call').not.toMatch(
          /^(upgrade|rollback|install|uninstall)\b|(^| )(delete|apply|patch|replace|create|rollout restart)( |$)/,
        )
      expect(e.api.requests.length).toBeGreaterThanOrEqual(before)
    })

  it('a failed preflight prints every problem with its fix and says nothing was changed, which is true', async () => {
    e.api.objects.delete('Secret/cloudforet-plugin/my-credential')
    const r = await e.apply(['--release', 'nope'])
    expect(r.code).toBe(3)
    expect(e.api.writes()).toEqual([])
    expect(e.tidy(r.stderr)).toBe(
      [
        'error: preflight found 2 problems; nothing was changed',
        '  ✖ release nope not found in namespace spaceone: cfpull apply upgrades an existing release and never installs one',
        '    fix: helm install nope <chart> -f <tmp>/values.yaml -n spaceone --kubeconfig <tmp>/kubeconfig',
        '  ✖ Secret my-credential is missing in namespace cloudforet-plugin',
        '    fix: cfpull create-secret --name my-credential --values <tmp>/values.yaml --docker-server "${REGISTRY:?set REGISTRY to your registry host}" --docker-username "${REGISTRY_USER:?set REGISTRY_USER to your registry user name}" --password-stdin --kubeconfig <tmp>/kubeconfig',
        '',
      ].join('\n'),
    )
    expect(e.tidy(r.stdout)).toBe('✖ preflight (t)\n')
  })

  it('the fix for dropped values is the same command with --reuse-values, --no-pull-check kept', async () => {
    cases.find((c) => c.kind === 'dropped values')!.breakIt!(e)
    const r = await e.apply(['--restart', 'none'])
    expect(r.code).toBe(3)
    expect(e.tidy(r.stderr)).toContain(
      'Keep them with --reuse-values (the file merged over them), or take the file alone with --reset-values\n    fix: cfpull apply -n spaceone -f <tmp>/values.yaml --chart <chart> --restart none --reuse-values --no-pull-check --kubeconfig <tmp>/kubeconfig\n',
    )
  })
})
