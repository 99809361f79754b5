import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // changeset version and packing every package take seconds, more on a busy machine.
    hookTimeout: 120_000,
    testTimeout: 120_000,
    typecheck: { enabled: false },
  },
})
