import { createRequire } from 'node:module'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
import { packageTest } from '../../vitest.package.js'

const require = createRequire(import.meta.url)
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

// @tokens/fastify's own suite (its sources and tests, unchanged) on the Fastify 4 installed here:
// every `fastify` import, from the plugin's sources and from its tests, resolves to this copy.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^fastify$/, replacement: dirname(require.resolve('fastify/package.json')) },
      { find: /^@tokens\/fastify$/, replacement: resolve(repo, 'packages/fastify/src/index.ts') },
    ],
  },
  test: packageTest({ dir: repo, include: ['packages/fastify/test/**/*.test.ts'] }),
})
