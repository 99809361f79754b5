import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // npm installs (better-sqlite3 builds from source) and compilations take minutes, not seconds.
    hookTimeout: 900_000,
    testTimeout: 120_000,
    typecheck: { enabled: false },
  },
})
