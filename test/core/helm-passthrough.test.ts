import { describe, expect, it } from 'vitest'
import { UsageError } from '../../src/core/errors.js'
import { chartMetadata, chartSource, parseHelmPassthrough, pinnedVersion } from '../../src/core/helm-passthrough.js'

describe('parseHelmPassthrough: what follows -- as helm upgrade reads it', () => {
  const sorted: Array<{
    args: string[]
    render: string[]
    upgrade: string[]
    values: string[]
    files: string[]
    repo?: string
    version?: string
  }> = [
    { args: [], render: [], upgrade: [], values: [], files: [] },
    // The chart source and the pin: --version goes to the plan, never twice to helm.
    {
      args: ['--repo', 'http://charts.example', '--version', '0.2.0'],
      render: ['--repo', 'http://charts.example'],
      upgrade: ['--repo', 'http://charts.example'],
      values: [],
      files: [],
      repo: 'http://charts.example',
      version: '0.2.0',
    },
    {
      args: ['--version=0.2.0', '--version', '0.3.0'],
      render: [],
      upgrade: [],
      values: [],
      files: [],
      version: '0.3.0',
    },
    // Values in every spelling pflag accepts, in their order.
    {
      args: ['-f', 'b.yaml', '-fc.yaml', '-f=d.yaml', '--values=e.yaml,g.yaml', '--set', 'a=1', '--set-string=b=2'],
      render: ['-f', 'b.yaml', '-fc.yaml', '-f=d.yaml', '--values=e.yaml,g.yaml', '--set', 'a=1', '--set-string=b=2'],
      upgrade: ['-f', 'b.yaml', '-fc.yaml', '-f=d.yaml', '--values=e.yaml,g.yaml', '--set', 'a=1', '--set-string=b=2'],
      values: ['-f', 'b.yaml', '-fc.yaml', '-f=d.yaml', '--values=e.yaml,g.yaml', '--set', 'a=1', '--set-string=b=2'],
      files: ['b.yaml', 'c.yaml', 'd.yaml', 'e.yaml', 'g.yaml'],
    },
    {
      args: ['--set-json', 'j={"k":1}', '--set-file', 'f=x.txt', '--set-literal', 'l=a,b'],
      render: ['--set-json', 'j={"k":1}', '--set-file', 'f=x.txt', '--set-literal', 'l=a,b'],
      upgrade: ['--set-json', 'j={"k":1}', '--set-file', 'f=x.txt', '--set-literal', 'l=a,b'],
      values: ['--set-json', 'j={"k":1}', '--set-file', 'f=x.txt', '--set-literal', 'l=a,b'],
      files: ['x.txt'],
    },
    // --set-file pairs split at unescaped commas; the path follows the first `=`.
    {
      args: ['--set-file', 'a=x.txt,b.c=dir/y=1.txt,d=with\\,comma.txt'],
      render: ['--set-file', 'a=x.txt,b.c=dir/y=1.txt,d=with\\,comma.txt'],
      upgrade: ['--set-file', 'a=x.txt,b.c=dir/y=1.txt,d=with\\,comma.txt'],
      values: ['--set-file', 'a=x.txt,b.c=dir/y=1.txt,d=with\\,comma.txt'],
      files: ['x.txt', 'dir/y=1.txt', 'with,comma.txt'],
    },
    // How the upgrade runs: helm upgrade only. --wait takes a value only as --wait=…
    {
      args: ['--timeout', '20m', '--wait', '--atomic', '--wait=watcher', '-l', 'a=b', '--devel', '--plain-http'],
      render: ['--devel', '--plain-http'],
      upgrade: ['--timeout', '20m', '--wait', '--atomic', '--wait=watcher', '-l', 'a=b', '--devel', '--plain-http'],
      values: [],
      files: [],
    },
  ]
  for (const c of sorted)
    it(`sorts ${JSON.stringify(c.args)}`, () => {
      const { args, ...want } = c
      expect(parseHelmPassthrough(args)).toEqual(want)
    })

  const CREDENTIALS =
    'credentials never go on a command line, where ps and shell history show them: log in once with helm registry login (OCI) or helm repo add --username … --password-stdin (a repository), and helm finds them there'
  const refused: Array<[string[], string]> = [
    [['--password', 'pa55'], `cannot pass --password to helm upgrade after --: ${CREDENTIALS}`],
    [['--password=pa55'], `cannot pass --password to helm upgrade after --: ${CREDENTIALS}`],
    [['--username', 'robot'], `cannot pass --username to helm upgrade after --: ${CREDENTIALS}`],
    [['--pass-credentials'], `cannot pass --pass-credentials to helm upgrade after --: ${CREDENTIALS}`],
    [
      ['--kube-context', 'prod'],
      "cannot pass --kube-context to helm upgrade after --: the preflight checks the cluster and namespace cfpull's own flags name: use cfpull apply --context",
    ],
    [
      ['-n', 'other'],
      "cannot pass -n to helm upgrade after --: the preflight checks the cluster and namespace cfpull's own flags name: use cfpull apply -n",
    ],
    [
      ['--reuse-values'],
      "cannot pass --reuse-values to helm upgrade after --: the values check follows cfpull's own choice: use cfpull apply --reuse-values",
    ],
    [
      ['--dry-run=server'],
      'cannot pass --dry-run to helm upgrade after --: use cfpull apply --dry-run, which runs the preflight and prints what would run',
    ],
    [
      ['--post-render', 'x'],
      'cannot pass --post-render to helm upgrade after --: cfpull does not know what it does to the chart helm installs, so it cannot check that chart first',
    ],
    [
      ['--kube-version', '1.30'],
      'cannot pass --kube-version to helm upgrade after --: cfpull does not know what it does to the chart helm installs, so it cannot check that chart first',
    ],
    [
      ['stray'],
      'cannot pass stray to helm upgrade after --: helm upgrade takes only the release and the chart as arguments, and cfpull gives both',
    ],
    [['--set'], 'cannot pass --set to helm upgrade after --: it needs a value'],
    [['-f', '-'], 'cannot pass -f - to helm upgrade after --: helm upgrade gets no stdin from cfpull: pass a file'],
    [
      ['-f', 'a.yaml,https://x/v.yaml'],
      'cannot pass -f a.yaml,https://x/v.yaml to helm upgrade after --: cfpull cannot read a values URL as helm will: download it and pass the file',
    ],
  ]
  for (const [args, message] of refused)
    it(`refuses ${JSON.stringify(args)}, naming it`, () => {
      let err: unknown
      try {
        parseHelmPassthrough(args)
      } catch (e) {
        err = e
      }
      expect(err).toBeInstanceOf(UsageError)
      expect((err as UsageError).exitCode).toBe(2)
      expect((err as UsageError).message).toBe(message)
      // A refused credential is named, never echoed.
      expect((err as UsageError).message).not.toContain('pa55')
    })
})

describe('pinnedVersion', () => {
  it('takes the one given, either way, and agreeing twice is fine', () => {
    expect(pinnedVersion(undefined, undefined)).toBeUndefined()
    expect(pinnedVersion('1.12.16', undefined)).toBe('1.12.16')
    expect(pinnedVersion(undefined, '2.0.0-dev35')).toBe('2.0.0-dev35')
    expect(pinnedVersion('0.2.0', '0.2.0')).toBe('0.2.0')
  })
  it('refuses two that disagree, and a range', () => {
    expect(() => pinnedVersion('0.1.0', '0.2.0')).toThrow(
      '--version 0.1.0 and --version 0.2.0 after -- disagree: helm would install 0.2.0; give one',
    )
    expect(() => pinnedVersion(undefined, '^0.2.0')).toThrow(
      "--version ^0.2.0 is a range, not one version: the preflight's render and helm upgrade could each resolve it to another chart; give the exact version",
    )
  })
})

describe('chartSource, as helm locates a chart', () => {
  it('--repo makes it a name in that repository, even when a path of that name exists', () => {
    expect(chartSource('spaceone', { repo: 'http://r', existsLocally: true })).toBe('repository')
  })
  it('a path that exists is local; an http URL is one package; anything else a repository reference', () => {
    expect(chartSource('./chart', { existsLocally: true })).toBe('local')
    expect(chartSource('https://x/spaceone-1.0.0.tgz', { existsLocally: false })).toBe('url')
    expect(chartSource('cloudforet/spaceone', { existsLocally: false })).toBe('repository')
    expect(chartSource('oci://ghcr.io/x/spaceone', { existsLocally: false })).toBe('repository')
  })
})

describe('chartMetadata', () => {
  it('reads name and version of a Chart.yaml, or null', () => {
    expect(chartMetadata('apiVersion: v2\nname: spaceone\nversion: "1.12.16"\n')).toEqual({
      name: 'spaceone',
      version: '1.12.16',
    })
    expect(chartMetadata('apiVersion: v2\nname: spaceone\n')).toBeNull()
    expect(chartMetadata('{')).toBeNull()
  })
})
