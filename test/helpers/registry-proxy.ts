// A loopback HTTPS proxy in front of a real test registry that refuses pushes to chosen
// repositories with `403 DENIED`, as Harbor answers a robot account without push rights there
// (htpasswd has no per-repository rights). Everything else is passed through unchanged, the Host
// header included, so the registry's Location headers point back at the proxy.
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, request } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { selfSigned, type TestRegistry } from './registry.js'

export interface DenyingProxy {
  /** `127.0.0.1:PORT`: use it as the registry host. */
  host: string
  /** The proxy's own certificate (PEM file), for `--dest-ca`. */
  caFile: string
  /** Requests answered 403, as `METHOD path`. */
  denied: string[]
  stop(): Promise<void>
}

/** Starts a proxy to `registry` that answers 403 DENIED to every write in the `deny` repositories. */
export async function startDenyingProxy(registry: TestRegistry, deny: string[]): Promise<DenyingProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'cfpull-proxy-'))
  const tls = selfSigned(dir, 'tls', ['IP:127.0.0.1', 'DNS:localhost'])
  const upstream = new URL(registry.url)
  const denied: string[] = []
  const server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    const path = req.url ?? '/'
    const write = req.method !== 'GET' && req.method !== 'HEAD'
    const repo = deny.find((r) => path.startsWith(`/v2/${r}/`))
    if (write && repo) {
      denied.push(`${req.method} ${path}`)
      req.resume()
      res.writeHead(403, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ errors: [{ code: 'DENIED', message: 'requested access to the resource is denied' }] }))
      return
    }
    const out = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        path,
        method: req.method,
        headers: req.headers,
        ca: registry.caPem,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers)
        up.pipe(res)
      },
    )
    out.on('error', () => res.writeHead(502).end())
    req.pipe(out)
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    caFile: tls.certFile,
    denied,
    stop: async () => {
      server.closeAllConnections()
      await new Promise((done) => server.close(done))
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
