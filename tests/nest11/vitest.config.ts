import { createRequire } from 'node:module'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import swc from 'unplugin-swc'
import { defineConfig } from 'vitest/config'
import { nestCompatConfig } from '../nest-compat/config.js'

const require = createRequire(import.meta.url)
const base = nestCompatConfig(import.meta.url, require.resolve)
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

// Besides @tokens/nest's suite: @tokens/passport's @nestjs/passport guard test, with this major's
// @nestjs/passport, and @tokens/nest from its sources (so that it, too, uses this major's Nest).
export default defineConfig({
  plugins: [swc.vite()],
  ...base,
  resolve: {
    alias: [
      ...base.resolve.alias,
      { find: /^@nestjs\/passport$/, replacement: dirname(require.resolve('@nestjs/passport/package.json')) },
      { find: /^@tokens\/nest$/, replacement: resolve(repo, 'packages/nest/src/index.ts') },
    ],
  },
  test: { ...base.test, include: [...base.test.include, 'packages/passport/test/nest-passport.test.ts'] },
})
