import { defineConfig } from 'vitest/config'

export default defineConfig({
  plugins: [
    {
      // @actions/workflow-parser (inlined below) ships source maps without their sources, and
      // vite would warn once per file of it on every run.
      name: 'cfpull:quiet-missing-sourcemap-sources',
      configResolved(config) {
        const warnOnce = config.logger.warnOnce.bind(config.logger)
        config.logger.warnOnce = (msg, options) => {
          if (!msg.includes('points to missing source files')) warnOnce(msg, options)
        }
      },
    },
  ],
  test: {
    globalSetup: ['test/global-setup.ts'],
    include: ['test/**/*.test.ts'],
    exclude: ['test/corpus/**', 'node_modules/**'],
    testTimeout: 30000,
    // @actions/workflow-parser imports its JSON schemas without `with { type: 'json' }`, which only
    // a bundler accepts: vite transforms it instead of Node loading it.
    server: { deps: { inline: ['@actions/workflow-parser'] } },
  },
})
