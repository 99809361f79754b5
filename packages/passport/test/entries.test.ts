import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const here = fileURLToPath(new URL('..', import.meta.url))

/** Loads `specifier` in a fresh Node process (CommonJS or ESM) and lists the passport packages it loaded. */
function loaded(specifier: string, format: 'cjs' | 'esm'): { exports: string[]; passportFacebook: boolean } {
  const script =
    format === 'cjs'
      ? `const m = require(${JSON.stringify(specifier)});
         const ids = Object.keys(require.cache);
         console.log(JSON.stringify({ exports: Object.keys(m).sort(), passportFacebook: ids.some((id) => /[\\\\/]passport-facebook[\\\\/]/.test(id)) }))`
      : `const m = await import(${JSON.stringify(specifier)});
         const { createRequire } = await import('node:module');
         const ids = Object.keys(createRequire(import.meta.url).cache);
         console.log(JSON.stringify({ exports: Object.keys(m).sort(), passportFacebook: ids.some((id) => /[\\\\/]passport-facebook[\\\\/]/.test(id)) }))`
  const args = format === 'cjs' ? ['-e', script] : ['--input-type=module', '-e', script]
  return JSON.parse(execFileSync(process.execPath, args, { cwd: here, encoding: 'utf8' })) as {
    exports: string[]
    passportFacebook: boolean
  }
}

describe('entry points', () => {
  it.each(['cjs', 'esm'] as const)(
    '@tokens/passport/graph-token (%s) has the bearer strategy and does not load passport-facebook',
    (format) => {
      const entry = loaded('@tokens/passport/graph-token', format)
      expect(entry.exports).toEqual(['GraphTokenStrategy', 'tokensErrorHandler'])
      expect(entry.passportFacebook).toBe(false)
    },
  )

  it.each(['cjs', 'esm'] as const)(
    '@tokens/passport (%s) has both strategies, and loads passport-facebook',
    (format) => {
      const entry = loaded('@tokens/passport', format)
      expect(entry.exports).toEqual(
        expect.arrayContaining(['FacebookLoginStrategy', 'GraphTokenStrategy', 'tokensErrorHandler']),
      )
      expect(entry.passportFacebook).toBe(true)
    },
  )
})
