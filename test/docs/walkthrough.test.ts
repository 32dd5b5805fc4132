// README "From Docker Hub to your own registry": the walkthrough's command lines run here, as
// written, in bash with the built CLI (bin/cfpull.js) against real parts, and each block of
// README.md and README.ko.md must equal what they print (so must the blocks of README "cfpull
// mirror", run once the walkthrough is done):
//
// - two Distribution registries on 127.0.0.1 (test/helpers/registry.ts): a stand-in for Docker
//   Hub (token auth that lets anyone pull, as Docker Hub does), seeded with a small image under
//   every name the list holds, and the private mirror (TLS + htpasswd, user robot);
// - the loopback API server with the release `cloudforet` installed from the miniature chart
//   (test/fixtures/chart, copied as ./spaceone-mini), driven by the pinned helm and kubectl;
// - the real skopeo.
//
// What changes from run to run: the registries' ports are written in README as fixed host names
// (PLACEHOLDERS; README states the rule), and durations stay as the run that wrote README measured
// them and are not compared. When cfpull's output changes on purpose, rewrite both READMEs'
// blocks (the Korean one shows the same blocks, only its prose is Korean):
//
//   npm run build && UPDATE_README=1 npx vitest run test/docs/walkthrough.test.ts
import { spawn } from 'node:child_process'
import { chmodSync, closeSync, cpSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { connectorNamespace, seedHelmInstall } from '../helpers/apply-env.js'
import { linuxNode, startCluster } from '../helpers/cluster.js'
import { startRegistries, type RegistrySet, type TestRegistry } from '../helpers/registry.js'
import { tempDir } from '../helpers/tmp.js'
import { toolPath } from '../helpers/tools.js'

const repo = join(import.meta.dirname, '../..')
const chart = join(repo, 'test/fixtures/chart')
const UPDATE = process.env.UPDATE_README === '1'
/** The mirror's password: it must never appear in any output. */
const PASSWORD = 'Mirr0r-pa55-never-printed'

/** How README writes the parts that differ in every run: the registries' ephemeral ports. */
const PLACEHOLDERS = { hub: 'hub.example.com:5000', mirror: 'registry.example.com:5000' }

interface Step {
  /** The marker in README: `<!-- walkthrough:ID -->` right above the block. */
  id: string
  /** Command lines as README shows them (placeholders in), run in turn, each in its own bash. */
  commands: string[]
  /** The last command's exit code when it is not 0: README shows it as `$ echo $?` after the output. */
  exitCode?: number
}

// One line of a command per entry; README shows them joined with ` \` and a 4-space indent.
const cmd = (...lines: string[]) => lines.join(' \\\n    ')

// The miniature chart is not one cfpull's table knows: the walkthrough names the chart version it
// mimics and, for patch and apply, the services it has (read from its Chart.yaml, so a service
// added to the fixture joins the walkthrough on the next UPDATE_README run).
const CHART_VERSION = '1.12.0'
const SERVICES = (
  parse(readFileSync(join(chart, 'Chart.yaml'), 'utf8')) as { dependencies: { name: string }[] }
).dependencies
  .map((d) => d.name)
  .join(',')
const MINI = `--chart ./spaceone-mini --chart-version ${CHART_VERSION}`

const STEPS: Step[] = [
  { id: 'values', commands: ['cat values.yaml'] },
  {
    id: 'images',
    commands: [`cfpull images -f values.yaml ${MINI} --plugin-images none -o list > list.txt`, 'cat list.txt'],
  },
  { id: 'stand-in', commands: [`sed -i 's|^|${PLACEHOLDERS.hub}/|' list.txt`] },
  {
    id: 'mirror',
    commands: [
      cmd(
        `echo "$REGISTRY_PASSWORD" | cfpull mirror --to ${PLACEHOLDERS.mirror}/cloudforet --images list.txt`,
        '--dest-username robot --dest-password-stdin --src-ca hub-ca.pem --dest-ca registry-ca.pem',
      ),
    ],
  },
  {
    id: 'create-secret',
    commands: [
      cmd(
        'echo "$REGISTRY_PASSWORD" | cfpull create-secret --name my-credential',
        `--docker-server ${PLACEHOLDERS.mirror} --docker-username robot --password-stdin`,
        '--values values.yaml --registry-ca registry-ca.pem',
      ),
    ],
  },
  {
    id: 'patch',
    commands: [
      cmd(
        `cfpull patch values.yaml --registry ${PLACEHOLDERS.mirror}/cloudforet --secret my-credential`,
        `--chart-version ${CHART_VERSION} --services ${SERVICES}`,
      ),
      `cfpull images -f values.yaml ${MINI} --plugin-images none -o list`,
    ],
  },
  {
    id: 'apply',
    commands: [
      cmd(
        'cfpull apply -n spaceone -f values.yaml --chart ./spaceone-mini --registry-ca registry-ca.pem',
        `--services ${SERVICES}`,
      ),
    ],
  },
]

// README "cfpull mirror" shows the walkthrough's mirror step again, once it is done: a line is added
// to its list for a tag the stand-in does not have, so the same command skips the 8 images already in
// place and fails that one. Then the inventory flags with --cluster: the services already name the
// mirror, and the plugins Cloudforet installed before still pull from the stand-in (PLUGINS), one of
// them as `latest`, which is never pushed. Last, the list given with an inventory flag: exit 2.
const MIRROR_SECTION: Step[] = [
  {
    id: 'mirror-rerun',
    commands: [
      `echo ${PLACEHOLDERS.hub}/cloudforet/identity:1.13.0 >> list.txt`,
      cmd(
        `echo "$REGISTRY_PASSWORD" | cfpull mirror --to ${PLACEHOLDERS.mirror}/cloudforet --images list.txt`,
        '--dest-username robot --dest-password-stdin --src-ca hub-ca.pem --dest-ca registry-ca.pem',
      ),
    ],
    exitCode: 6,
  },
  {
    id: 'mirror-cluster',
    commands: [
      cmd(
        `echo "$REGISTRY_PASSWORD" | cfpull mirror --to ${PLACEHOLDERS.mirror}/cloudforet`,
        `-f values.yaml ${MINI} --cluster -n spaceone --plugin-images cluster`,
        '--dest-username robot --dest-password-stdin --src-ca hub-ca.pem --dest-ca registry-ca.pem',
      ),
    ],
    exitCode: 6,
  },
  {
    id: 'mirror-usage',
    commands: [`cfpull mirror --to ${PLACEHOLDERS.mirror}/cloudforet --images list.txt -f values.yaml`],
    exitCode: 2,
  },
]

/** Plugin Deployments the supervisor made before the walkthrough, from the stand-in: id, image path, tag. */
const PLUGINS: Array<[string, string, string]> = [
  ['plugin-email-noti-protocol', 'spaceone/plugin-email-noti-protocol', '1.12.1'],
  ['plugin-aws-ec2-inven-collector', 'spaceone/plugin-aws-ec2-inven-collector', 'latest'],
]

let set: RegistrySet
let hub: TestRegistry
let mirror: TestRegistry

beforeAll(async () => {
  set = await startRegistries([
    // Docker Hub answers anonymous pulls with a token: so does the stand-in.
    { mode: 'token', users: { pusher: 'Hub-Pa55' }, policy: (user) => (user === null ? ['pull'] : ['pull', 'push']) },
    { mode: 'htpasswd', users: { robot: PASSWORD } },
  ])
  ;[hub, mirror] = set.registries as [TestRegistry, TestRegistry]
}, 60000)

afterAll(async () => {
  await set?.stop()
})

interface Ran {
  code: number
  /** stdout and stderr as one stream, in the order written (both went to one file). */
  output: string
}

/** Runs one README command line in bash, stdout and stderr into one file as a terminal shows them. */
function bash(line: string, cwd: string, env: Record<string, string>): Promise<Ran> {
  const file = join(cwd, '..', 'out.txt')
  const fd = openSync(file, 'w')
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-o', 'pipefail', '-c', line], { cwd, env, stdio: ['ignore', fd, fd] })
    child.once('error', reject)
    child.once('exit', (code) => {
      closeSync(fd)
      resolve({ code: code ?? 1, output: readFileSync(file, 'utf8') })
    })
  })
}

/** The seeded image for each line of list.txt, under exactly the path the line names at the stand-in. */
async function seedHub(listFile: string): Promise<void> {
  for (const line of readFileSync(listFile, 'utf8').split('\n').filter(Boolean)) {
    const ref = line.slice(`${hub.host}/`.length)
    const at = ref.lastIndexOf(':')
    const [path, tag] = [ref.slice(0, at), ref.slice(at + 1)]
    // Official images on Docker Hub are multi-platform indexes; Cloudforet's are amd64 only.
    const platforms = path.includes('/') ? undefined : ['linux/amd64', 'linux/arm64']
    await hub.seedImage(path, tag, platforms && { platforms })
  }
}

/** README keeps the durations of the run that wrote it; they are compared as `<t>`. */
const timeless = (s: string) => s.replace(/\b\d+(\.\d+)?m?s\b/g, '<t>')

/** A README block's text: each command after `$ `, then what it printed. */
function block(ran: { command: string; output: string }[]): string {
  return ran.map((r) => `$ ${r.command}\n${r.output}`).join('')
}

function readmeBlocks(text: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const m of text.matchAll(/<!-- walkthrough:([\w-]+) -->\n```console\n([\s\S]*?)```\n/g)) out.set(m[1]!, m[2]!)
  return out
}

function writeBlocks(file: string, blocks: Map<string, string>): void {
  let text = readFileSync(file, 'utf8')
  for (const [id, body] of blocks) {
    const marker = `<!-- walkthrough:${id} -->\n`
    const at = text.indexOf(marker)
    if (at < 0) throw new Error(`${file} has no ${marker.trim()}: add it above the block`)
    const start = at + marker.length
    const end = text.indexOf('```\n', text.indexOf('\n', start) + 1) + 4
    text = `${text.slice(0, start)}\`\`\`console\n${body}\`\`\`\n${text.slice(end)}`
  }
  writeFileSync(file, text)
}

describe('README walkthrough: from Docker Hub to your own registry', () => {
  it('every command of the walkthrough prints what README.md and README.ko.md show', async () => {
    const work = join(tempDir(), 'walkthrough')
    mkdirSync(work)
    const cluster = await startCluster(['default', 'spaceone', 'cloudforet', 'cloudforet-plugin'], { helm: true })
    const bin = join(cluster.dir, 'bin')
    mkdirSync(bin)
    writeFileSync(join(bin, 'cfpull'), `#!/bin/sh\nexec node ${join(repo, 'bin/cfpull.js')} "$@"\n`)
    chmodSync(join(bin, 'cfpull'), 0o755)
    const env: Record<string, string> = {
      PATH: [bin, dirname(toolPath('helm')), dirname(toolPath('kubectl')), '/usr/local/bin', '/usr/bin', '/bin'].join(
        ':',
      ),
      HOME: cluster.dir,
      LANG: 'C.UTF-8',
      KUBECONFIG: cluster.kubeconfig,
      ...cluster.env,
      REGISTRY_PASSWORD: PASSWORD,
    }

    // The install as the user has it: values that pull from Docker Hub, the release deployed
    // with them (every object of the render in the cluster), one amd64 node.
    cpSync(chart, join(work, 'spaceone-mini'), { recursive: true })
    // The fixture's override, plus the supervisor as a 1.12 install pins it (so patch and apply
    // read one plugin route from the file), its plugins beside it.
    writeFileSync(
      join(work, 'values.yaml'),
      readFileSync(join(chart, 'override.yaml'), 'utf8') +
        connectorNamespace.replace('supervisor:\n', `supervisor:\n  image:\n    version: ${CHART_VERSION}\n`),
    )
    writeFileSync(join(work, 'hub-ca.pem'), hub.caPem)
    writeFileSync(join(work, 'registry-ca.pem'), mirror.caPem)
    const helm = await bash(`helm template cloudforet ./spaceone-mini -n spaceone -f values.yaml`, work, env)
    expect(helm.code, helm.output).toBe(0)
    seedHelmInstall(cluster.api, helm.output)
    cluster.api.seed(linuxNode('node-1', 'amd64'))

    const real = (s: string) => s.replaceAll(PLACEHOLDERS.hub, hub.host).replaceAll(PLACEHOLDERS.mirror, mirror.host)
    const shown = (s: string) =>
      s
        .replaceAll(hub.host, PLACEHOLDERS.hub)
        .replaceAll(mirror.host, PLACEHOLDERS.mirror)
        .replaceAll(`${work}/`, '')
        .replaceAll(cluster.kubeconfig, '~/.kube/config')

    const blocks = new Map<string, string>()
    const runSteps = async (steps: Step[]) => {
      for (const step of steps) {
        const ran: { command: string; output: string }[] = []
        for (const [i, command] of step.commands.entries()) {
          const r = await bash(real(command), work, env)
          expect(r.output).not.toContain(PASSWORD)
          const code = i === step.commands.length - 1 ? (step.exitCode ?? 0) : 0
          expect(r.code, `${command}\n${r.output}`).toBe(code)
          ran.push({ command, output: shown(r.output) })
          if (code) ran.push({ command: 'echo $?', output: `${code}\n` })
          if (step.id === 'stand-in') await seedHub(join(work, 'list.txt'))
        }
        blocks.set(step.id, block(ran))
      }
    }
    await runSteps(STEPS)

    // What README says of the result. The patched values name exactly the images mirror pushed
    // (its destinations: the last path part under --to) ...
    const pushed = readFileSync(join(work, 'list.txt'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((ref) => `${mirror.host}/cloudforet/${ref.split('/').pop()!}`)
    const listed = await bash(
      `cfpull images -f values.yaml ${MINI} --plugin-images none -o list 2>/dev/null`,
      work,
      env,
    )
    expect(listed.output.split('\n').filter(Boolean).sort()).toEqual(pushed.sort())
    // ... and after apply every Deployment of the release pulls from the mirror with the Secret.
    const deployments = [...cluster.api.objects.values()].filter((o) => o.kind === 'Deployment')
    expect(deployments.length).toBeGreaterThan(0)
    for (const d of deployments) {
      const spec = d.spec.template.spec as { containers: { image: string }[]; imagePullSecrets?: { name: string }[] }
      expect(spec.imagePullSecrets, d.metadata.name).toEqual([{ name: 'my-credential' }])
      for (const c of spec.containers) expect(c.image.startsWith(`${mirror.host}/cloudforet/`), c.image).toBe(true)
    }

    for (const [id, path, tag] of PLUGINS) {
      await hub.seedImage(path, tag)
      cluster.api.seed({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: {
          name: `${id}-x7k2p`,
          namespace: 'cloudforet-plugin',
          labels: { supervisor_name: 'root', plugin_id: id },
        },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: id } },
          template: {
            metadata: { labels: { app: id } },
            spec: { containers: [{ name: id, image: `${hub.host}/${path}:${tag}` }] },
          },
        },
      })
    }
    await runSteps(MIRROR_SECTION)

    for (const name of ['README.md', 'README.ko.md']) {
      const file = join(repo, name)
      if (UPDATE) writeBlocks(file, blocks)
      const have = readmeBlocks(readFileSync(file, 'utf8'))
      for (const [id, body] of blocks)
        expect(`${name} ${id}:\n${timeless(have.get(id) ?? '(no block)')}`).toBe(`${name} ${id}:\n${timeless(body)}`)
    }
  }, 120000)
})
