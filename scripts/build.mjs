#!/usr/bin/env node
// npm run build (and prepare). What dist/ holds afterwards, and nothing else:
//   dist/cli.cjs    the CLI: one CommonJS bundle with its dependencies inside (commander, yaml,
//                   zod, chalk). bin/cfpull.js loads it (with a V8 code cache on Node 20, with
//                   Node's own compile cache on Node >= 22.1). Each command's code sits in it
//                   behind a lazy initialiser, so only the invoked subcommand's modules run.
//   dist/execa.cjs  execa, required by dist/cli.cjs only when a command runs kubectl or helm.
//   dist/index.js   the library behind `exports`: one ESM bundle of src/index.ts (yaml and zod
//                   stay imports of the installed packages).
//   dist/**/*.d.ts  its types (tsc, declarations of src/index.ts and what it reaches).
// Why a single CommonJS bundle: see README "Performance" and `npm run bench`.
import { execFileSync } from 'node:child_process'
import { readFileSync, readdirSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, transform } from 'esbuild'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const dist = join(root, 'dist')

rmSync(dist, { recursive: true, force: true })
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' })

// yaml's Parser.next() and Composer.next() read process.env.LOG_TOKENS / LOG_STREAM once per
// token (a debugging aid of the library), and each read of process.env is a call into C++.
// They read it through a local `node_process = require('process')`, which `define` cannot see
// (it only replaces free identifiers), so this plugin first turns each of those reads into the
// free `process.env.LOG_*`, and `define` folds that to undefined, so esbuild drops the branch.
// If the library stops matching (renamed, moved, another read added), the build fails: a quiet
// no-op here would bring the per-token cost back unnoticed.
const YAML_LOG_READS = {
  'yaml/dist/parse/parser.js': ['LOG_TOKENS'],
  'yaml/dist/compose/composer.js': ['LOG_STREAM'],
}
const seen = new Map()
const yamlLogReads = {
  name: 'yaml-log-reads',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/]yaml[\\/]dist[\\/].*\.js$/ }, (args) => {
      const rel = relative(join(root, 'node_modules'), args.path).split('\\').join('/')
      let text = readFileSync(args.path, 'utf8')
      for (const name of ['LOG_TOKENS', 'LOG_STREAM']) {
        const reads = text.split(`node_process.env.${name}`).length - 1
        const expected = YAML_LOG_READS[rel]?.includes(name) ? 1 : 0
        if (reads !== expected)
          throw new Error(
            `${rel} reads process.env.${name} ${reads} times where the build expects ${expected}: update YAML_LOG_READS in scripts/build.mjs for this yaml version`,
          )
        if (reads) {
          text = text.replace(`node_process.env.${name}`, `process.env.${name}`)
          seen.set(rel, [...(seen.get(rel) ?? []), name])
        }
      }
      return { contents: text, loader: 'js' }
    })
  },
}

// commander requires node:child_process at load, for executable subcommands (cfpull has none),
// and loading it pulls in net, stream and more: ~5 ms of every run. It is required on first use
// instead. The same rule: if commander stops matching, the build fails.
const LAZY_REQUIRES = {
  'commander/lib/command.js': [["const childProcess = require('node:child_process');", 'childProcess.spawn(', 3]],
}
const lazyRequires = {
  name: 'lazy-requires',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/]commander[\\/]lib[\\/]command\.js$/ }, (args) => {
      const rel = relative(join(root, 'node_modules'), args.path).split('\\').join('/')
      let text = readFileSync(args.path, 'utf8')
      for (const [line, use, uses] of LAZY_REQUIRES[rel] ?? []) {
        const name = /const (\w+) = require\('([^']+)'\);/.exec(line)
        if (text.split(line).length !== 2 || text.split(use).length - 1 !== uses)
          throw new Error(
            `${rel} no longer has ${line} used as ${use} ${uses} times: update LAZY_REQUIRES in scripts/build.mjs`,
          )
        text = text
          .replace(line, `let ${name[1]}Lazy;`)
          .split(use)
          .join(`(${name[1]}Lazy ??= require('${name[2]}')).${use.slice(name[1].length + 1)}`)
        seen.set(rel, [...(seen.get(rel) ?? []), name[2]])
      }
      return { contents: text, loader: 'js' }
    })
  },
}

// execa stays out of the CLI bundle, in a file of its own that the CLI requires on first use:
// `import('execa')` in src/adapters/run.ts becomes require('./execa.cjs').
const execaApart = {
  name: 'execa-apart',
  setup(b) {
    b.onResolve({ filter: /^execa$/ }, () => ({ path: './execa.cjs', external: true }))
  },
}

// cfpull's error classes are named in --json (error.type, from new.target.name) and in messages,
// and a bundle renames a class whose name another module uses too. keepNames keeps them, but
// applied to the whole bundle it also wraps every closure that yaml creates per token in a
// __name() call (~4% of a large parse, and garbage): so it is applied to cfpull's own files only.
const keepOwnNames = {
  name: 'keep-own-names',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, async (args) => {
      const source = readFileSync(args.path, 'utf8')
      const out = await transform(source, {
        loader: 'ts',
        format: 'esm',
        target: 'node20',
        keepNames: true,
        sourcefile: args.path,
        tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
      })
      return { contents: out.code, loader: 'js' }
    })
  },
}

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
}

const cli = await build({
  ...common,
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/cli.cjs',
  format: 'cjs',
  // import() of bundled code becomes a lazy initialiser in the one file, and of execa a
  // require(): the bundle is compiled with vm.Script, which has no import() without a loader.
  supported: { 'dynamic-import': false },
  define: {
    __CFPULL_VERSION__: JSON.stringify(pkg.version),
    'process.env.LOG_TOKENS': 'undefined',
    'process.env.LOG_STREAM': 'undefined',
    // main.ts reads package.json through import.meta.url only when __CFPULL_VERSION__ is not set.
    'import.meta.url': 'undefined',
  },
  plugins: [keepOwnNames, yamlLogReads, lazyRequires, execaApart],
  metafile: true,
})

for (const [rel, names] of Object.entries(YAML_LOG_READS))
  if (String(seen.get(rel)) !== String(names))
    throw new Error(
      `${rel} was not bundled with its ${names.join(', ')} read removed (found ${seen.get(rel) ?? 'none'})`,
    )

const execa = await build({
  ...common,
  entryPoints: { execa: 'node_modules/execa/index.js' },
  outdir: 'dist',
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  // execa (ESM) uses import.meta.url only to find itself for error messages; CommonJS has __filename.
  define: { 'import.meta.url': '__cfpullImportMetaUrl' },
  banner: { js: "var __cfpullImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  metafile: true,
})

await build({
  ...common,
  entryPoints: ['src/index.ts'],
  outfile: 'dist/index.js',
  format: 'esm',
  packages: 'external',
  plugins: [keepOwnNames],
})

const bundle = readFileSync(join(dist, 'cli.cjs'), 'utf8')
for (const [what, re] of [
  ['import()', /\bimport\(/],
  ['a LOG_TOKENS/LOG_STREAM read', /LOG_TOKENS|LOG_STREAM/],
  ['execa itself', /function execa\b/],
])
  if (re.test(bundle)) throw new Error(`dist/cli.cjs contains ${what}; see scripts/build.mjs`)

const shipped = listFiles(dist).sort()
const js = shipped.filter((f) => !f.endsWith('.d.ts'))
if (String(js) !== String(['cli.cjs', 'execa.cjs', 'index.js']))
  throw new Error(`dist/ holds unexpected code files: ${js.join(', ')}`)
// A bundle that "builds with warnings" (an import.meta left empty, a require it cannot follow)
// may be wrong at run time: fail instead.
for (const r of [cli, execa]) if (r.warnings.length) throw new Error('esbuild warned: see above')

function listFiles(dir, base = dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(join(dir, e.name), base) : [relative(base, join(dir, e.name)).split('\\').join('/')],
  )
}
