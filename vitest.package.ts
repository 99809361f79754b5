import { fileURLToPath } from 'node:url'

/** The suite-wide leak check every package's tests run with (see tests/reliability/leak-check). */
export const LEAK_CHECK_SETUP = fileURLToPath(new URL('./tests/reliability/leak-check/setup.ts', import.meta.url))

/**
 * The `test` options of every published package's Vitest config: its `test/**\/*.test.ts`, with the
 * leak check, a 20 s timeout (tests talk to the emulator, Redis and child processes over real
 * sockets), and type tests left to `tsc`. A package's `vitest.config.ts` adds what it needs.
 */
export function packageTest(overrides: Record<string, unknown> = {}) {
  return {
    include: ['test/**/*.test.ts'],
    setupFiles: [LEAK_CHECK_SETUP],
    testTimeout: 20_000,
    typecheck: { enabled: false },
    ...overrides,
  }
}
