import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['../../tests/reliability/leak-check/setup.ts'],
    testTimeout: 20_000,
    typecheck: { enabled: false },
  },
})
