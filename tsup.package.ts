import { defineConfig, type Options } from 'tsup'

/**
 * The build of every published package: ESM + CJS + `.d.ts` from `src/index.ts`, for Node 20.
 * A package's own `tsup.config.ts` calls this, adding what it needs (the emulator's CLI entry).
 */
export function packageConfig(overrides: Options = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    ...overrides,
  })
}
