// Lint rules chosen for the mistakes this code can make (see CONTRIBUTING.md for the why of each).
// Formatting is Prettier's job: eslint-config-prettier switches off every rule that would fight it.
import js from '@eslint/js'
import prettier from 'eslint-config-prettier'
import tseslint from 'typescript-eslint'

// STYLE.md §2: imports go cli → commands → (core, adapters), and core imports no I/O at all.
const layerOf = (dir) => `../${dir}/*`
const fromOtherLayers = (...dirs) => dirs.flatMap((dir) => [layerOf(dir), `**/${dir}/*`])
const printing = [
  { name: 'chalk', message: 'Only src/cli/ formats output (STYLE.md §4).' },
  { name: 'commander', message: 'Only src/cli/ parses argv (STYLE.md §2).' },
]
// What no file in core/ may import: core is pure (STYLE.md §2).
const coreImports = {
  paths: [
    ...printing,
    { name: 'execa', message: 'core/ runs no processes: pass data in from a command (STYLE.md §2).' },
  ],
  patterns: [
    {
      group: fromOtherLayers('adapters', 'commands', 'cli'),
      message: 'core/ is pure: it imports only core/, yaml and zod (STYLE.md §2).',
    },
    {
      // node:util is allowed for isDeepStrictEqual, which is a pure function.
      group: ['node:*', '!node:util', 'fs', 'fs/*', 'child_process', 'os', 'path', 'process'],
      message: 'core/ does no I/O: read and write through src/adapters/ (STYLE.md §2).',
    },
  ],
}
// core/'s folders import one way, so no two of them form a cycle: yaml/ at the bottom, then
// cloudforet/ and credentials/ (neither imports the other), then the top-level files, then
// images/. errors.ts and map-limit.ts import nothing from core, so every folder may use them.
// The header of each folder's main file (yaml/splice.ts, cloudforet/install-model.ts, ...) says why.
const sibling = (dir, why) => ({ group: [`../${dir}/*`], message: `${why} (eslint.config.js, core folders).` })
const topLevel = (allowed, why) => ({
  group: ['../*.js', ...allowed.map((f) => `!../${f}`)],
  message: `${why} (eslint.config.js, core folders).`,
})
const coreFolder = (files, ...patterns) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { ...coreImports, patterns: [...coreImports.patterns, ...patterns] }] },
})
const belowTopLevel = 'the top-level core files import this folder: of them it may use only errors.ts and map-limit.ts'

const exitOutsideMain = {
  object: 'process',
  property: 'exit',
  message: 'src/cli/main.ts is the one place that exits: throw a CfpullError instead (STYLE.md §3).',
}

export default tseslint.config(
  {
    ignores: ['node_modules/', 'dist/', '.cache/', 'coverage/', 'bench/', 'scratch/', 'test/fixtures/', 'examples/'],
  },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-import-type-side-effects': 'error',
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      // `any` must not leak out of an adapter into the typed core and commands.
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unsafe-return': 'error',
      '@typescript-eslint/no-unsafe-assignment': 'error',
      '@typescript-eslint/no-unsafe-argument': 'error',
      '@typescript-eslint/no-unsafe-member-access': 'error',
      '@typescript-eslint/no-unsafe-call': 'error',
      'no-console': 'error',
      'no-restricted-properties': ['error', exitOutsideMain],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', coreImports],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'core/ takes every ambient input as a parameter (STYLE.md §2.2).' },
        { name: 'console', message: 'core/ prints nothing: return data, the CLI reports it.' },
      ],
    },
  },
  coreFolder(
    ['src/core/yaml/**/*.ts'],
    sibling('cloudforet', 'yaml/ knows YAML, not Cloudforet: cloudforet/ builds on it'),
    sibling('credentials', 'yaml/ knows YAML, not credentials: credentials/ builds on it'),
    sibling('images', 'yaml/ knows YAML, not images: images/ builds on it'),
    topLevel(['errors.js'], 'yaml/ is the bottom of core: of the top-level files it uses only errors.ts'),
  ),
  coreFolder(
    ['src/core/cloudforet/**/*.ts'],
    sibling('credentials', 'cloudforet/ and credentials/ are independent: what needs both goes above them'),
    sibling('images', 'images/ builds on cloudforet/, not the other way'),
    topLevel(['errors.js', 'map-limit.js'], belowTopLevel),
  ),
  coreFolder(
    ['src/core/credentials/**/*.ts'],
    sibling('cloudforet', 'cloudforet/ and credentials/ are independent: what needs both goes above them'),
    sibling('images', 'images/ builds on credentials/, not the other way'),
    topLevel(['errors.js', 'map-limit.js'], belowTopLevel),
  ),
  coreFolder(['src/core/*.ts'], {
    group: ['./images/*'],
    message: 'images/ builds on the top-level core files, not the other way (eslint.config.js, core folders).',
  }),
  coreFolder(['src/core/errors.ts', 'src/core/map-limit.ts'], {
    group: ['./*'],
    message: 'every core folder imports errors.ts and map-limit.ts, so they import nothing from core.',
  }),
  {
    files: ['src/adapters/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: printing,
          patterns: [
            {
              group: fromOtherLayers('commands', 'cli'),
              message: 'adapters/ sit below commands/ and cli/ (STYLE.md §2).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/commands/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: printing,
          patterns: [
            { group: fromOtherLayers('cli'), message: 'commands/ return results; cli/ renders them (STYLE.md §2.3).' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/cli/main.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['test/**/*.ts', '*.ts'],
    rules: {
      // Tests parse JSON output and drive helpers loosely typed on purpose; the strict set is for src/.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      // Fakes implement async interfaces (Runner, Io) without awaiting anything themselves.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        performance: 'readonly',
      },
    },
    rules: { 'no-unused-vars': ['error', { argsIgnorePattern: '^_', caughtErrors: 'none' }] },
  },
  {
    // bin/package.json makes the loader CommonJS (it starts faster than an ES module).
    files: ['bin/cfpull.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', __dirname: 'readonly' } },
  },
  prettier,
)
