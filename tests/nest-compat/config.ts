import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { packageTest } from '../../vitest.package.js'

/** The Nest packages a compatibility run swaps for another major version. */
const NEST_PACKAGES = ['common', 'core', 'platform-express', 'platform-fastify', 'testing'] as const

/**
 * The options of a Vitest config that runs `@tokens/nest`'s own test suite (its sources and tests,
 * unchanged) on the Nest major installed in the calling package: every `@nestjs/*` import, from the
 * adapter's sources and from its tests, resolves to that package's copies.
 *
 * `resolvePackage` is the calling package's `require.resolve`, so that each compatibility package
 * finds its own Nest.
 */
export function nestCompatConfig(configUrl: string, resolvePackage: (id: string) => string) {
  const here = dirname(fileURLToPath(configUrl))
  const installed = JSON.parse(readFileSync(resolvePackage('@nestjs/core/package.json'), 'utf8')) as { version: string }
  return {
    resolve: {
      alias: NEST_PACKAGES.map((name) => ({
        find: new RegExp(`^@nestjs/${name}(?=/|$)`),
        replacement: dirname(resolvePackage(`@nestjs/${name}/package.json`)),
      })),
    },
    // The Nest package's own test options, on the whole repository's tree.
    test: packageTest({
      dir: resolve(here, '../..'),
      include: ['packages/nest/test/**/*.test.ts', 'tests/nest-compat/*.test.ts'],
      provide: { nestMajor: installed.version.split('.')[0] as string },
    }),
  }
}
