import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Compiling every example takes a few seconds; no leak check: these tests issue no tokens.
    hookTimeout: 60_000,
    testTimeout: 60_000,
    typecheck: { enabled: false },
  },
})
