import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { chartInfo } from '../../../src/core/cloudforet/charts.js'
import { buildInstallModel, chooseChart } from '../../../src/core/cloudforet/install-model.js'
import { imageHostFindings } from '../../../src/core/images/image-hosts.js'
import type { FixContext } from '../../../src/core/fix-command.js'
import { runCli } from '../../helpers/run-cli.js'
import { tempDir } from '../../helpers/tmp.js'

const fixtures = join(import.meta.dirname, '../../fixtures/values')
const CHART = '2.0.0-dev35'

function findings(text: string, secrets: string[] = []) {
  const data = parse(text) as unknown
  const chart = chooseChart({ version: CHART })
  const ctx: FixContext = { files: ['values.yaml'], chart: { version: CHART, source: 'flag' }, secrets }
  return imageHostFindings(data, chartInfo(CHART), buildInstallModel(data, chart, ctx), ctx)
}

describe("doctor's image hosts", () => {
  it('after patch --registry --secret: every image on the mirror with the secret, and no warning', () => {
    const text = readFileSync(join(fixtures, 'mirror-2x/expected.yaml'), 'utf8')
    const r = findings(text, ['my-credential'])
    expect(r.hosts!.map((h) => [h.host, h.images.length])).toEqual([['harbor.example.com', 27]])
    expect(r.findings.map((f) => `${f.severity} ${f.code}: ${f.message}`)).toEqual([
      'info image-host: harbor.example.com: 23 images (cloudforet/board:2.0.dev12, cloudforet/cfctl:v1.0.9, cloudforet/config:2.0.dev10, cloudforet/console:2.0.dev31 and 19 more), pulled with my-credential',
      "info harbor-token: could not check that the repository can list the managed plugins' versions at https://harbor.example.com: repository.application_grpc.CONNECTORS.HarborConnector.token is not in this file (cfpull never writes it; it may come from another values file or --set-file)",
    ])
  })

  it('half mirrored: the images still on Docker Hub, with a fix that moves them', () => {
    const text = [
      'console:',
      '  image:',
      '    name: harbor.example.com/cf/console',
      'identity:',
      '  image:',
      '    name: harbor.example.com/cf/identity',
      '',
    ].join('\n')
    const r = findings(text)
    const hub = r.findings.find((f) => f.code === 'images-on-docker-hub')!
    expect(hub.severity).toBe('warning')
    expect(hub.message).toBe(
      '23 images still come from Docker Hub (board cloudforet/board:2.0.dev12, cfctl cloudforet/cfctl:v1.0.9, config cloudforet/config:2.0.dev10 and 23 more) while 2 images come from harbor.example.com',
    )
    expect(hub.fix).toBe('cfpull patch values.yaml --registry harbor.example.com/cf --chart-version 2.0.0-dev35')
    expect(r.findings.find((f) => f.code === 'plugins-on-docker-hub')?.message).toBe(
      'the core images come from harbor.example.com, but the managed plugins still pull from Docker Hub (MANAGED_REGISTRY_TYPE is DOCKER_HUB)',
    )
  })

  it('cfpull doctor after patch --registry alone: the mirror host is pulled with no secret, and doctor says nothing carries one', async () => {
    const file = join(tempDir(), 'values.yaml')
    writeFileSync(file, 'console:\n  image:\n    name: cloudforet/console\n')
    expect((await runCli(['patch', file, '--registry', 'harbor.example.com/cf', '-q'])).code).toBe(0)
    const r = await runCli(['doctor', '-f', file, '--json'])
    const doc = JSON.parse(r.stdout)
    expect(
      doc.findings.filter((f: { severity: string }) => f.severity !== 'info').map((f: { code: string }) => f.code),
    ).toEqual(['no-secret', 'plugins-missing-secret'])
    expect(doc.findings.find((f: { code: string }) => f.code === 'image-host').message).toMatch(
      /^harbor\.example\.com: 24 images \(cf\/board:2\.0\.dev12, .* and 20 more\), pulled with no pull secret by board, cfctl, config, console and 19 more$/,
    )
    // The fix doctor prints, then patch --secret, leaves it clean: no error and no warning.
    expect(
      (await runCli(['patch', file, '--registry', 'harbor.example.com/cf', '--secret', 'my-credential', '-q'])).code,
    ).toBe(0)
    const clean = await runCli(['doctor', '-f', file])
    expect(clean.code).toBe(0)
    expect(clean.stdout).not.toMatch(/Errors|Warnings/)
    expect(clean.stdout).toContain('✔ nothing stops images from pulling')
  })
})
