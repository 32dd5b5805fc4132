#!/usr/bin/env node
// npm run build (and prepare): two outputs in dist/.
//   - the library behind `exports` (dist/index.js and the rest of src, with .d.ts): tsc, unbundled;
//   - the CLI that bin/cfpull.js imports: dist/cli.js, one ESM bundle with its dependencies
//     inside, plus dist/chunks/ for what only one command needs (each command, execa), loaded by
//     the import() calls in src/cli/program.ts and src/adapters/run.ts when that command runs.
// Bundled because it starts faster: see README "Performance" and `npm run bench`.
// CFPULL_BUNDLE_DEPS=0 leaves node_modules imports external, to measure the difference.
import { execFileSync } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))

rmSync(join(root, 'dist'), { recursive: true, force: true })
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' })

await build({
  absWorkingDir: root,
  entryPoints: { cli: 'src/cli/main.ts' },
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: process.env.CFPULL_BUNDLE_DEPS === '0' ? 'external' : 'bundle',
  // src/cli/main.ts would otherwise read package.json at startup.
  define: { __CFPULL_VERSION__: JSON.stringify(pkg.version) },
  // The bundled CommonJS dependencies (commander, yaml) call require(); ESM has none.
  banner: {
    js: "import { createRequire as __cfpullCreateRequire } from 'node:module'; const require = __cfpullCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
})
