import { defineConfig } from 'vitest/config'

// The real-world values corpus (../shared/fixtures/cloudforet, or $CFPULL_CORPUS): `npm run test:corpus`.
// No globalSetup: this suite needs neither helm nor kubectl.
export default defineConfig({
  test: {
    include: ['test/corpus/**/*.test.ts'],
    testTimeout: 120000,
  },
})
