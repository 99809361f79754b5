import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const here = fileURLToPath(new URL('..', import.meta.url))

/** Loads `specifiers` in a fresh Node process (CommonJS or ESM); lists the last one's exports and whether any @nestjs/passport file loaded. */
function loaded(specifiers: string[], format: 'cjs' | 'esm'): { exports: string[]; nestPassport: boolean } {
  const pattern = String.raw`/[\\/]@nestjs[\\/]passport[\\/]/`
  const script =
    format === 'cjs'
      ? `let m; for (const s of ${JSON.stringify(specifiers)}) m = require(s);
         const ids = Object.keys(require.cache);
         console.log(JSON.stringify({ exports: Object.keys(m).sort(), nestPassport: ids.some((id) => ${pattern}.test(id)) }))`
      : `let m; for (const s of ${JSON.stringify(specifiers)}) m = await import(s);
         await new Promise((resolve) => setTimeout(resolve, 100));
         console.log(JSON.stringify({ exports: Object.keys(m).sort(), nestPassport: globalThis.__seen ?? false }))`
  const args =
    format === 'cjs'
      ? ['-e', script]
      : ['--input-type=module', '--import', `data:text/javascript,${encodeURIComponent(ESM_WATCH)}`, '-e', script]
  const out = execFileSync(process.execPath, args, { cwd: here, encoding: 'utf8' })
  return JSON.parse(out.trim().split('\n').at(-1) as string) as { exports: string[]; nestPassport: boolean }
}

/** Records, in the loader, whether a module under @nestjs/passport was resolved (ESM has no require.cache). */
const ESM_WATCH = `
import { register } from 'node:module'
import { MessageChannel } from 'node:worker_threads'
const { port1, port2 } = new MessageChannel()
port1.on('message', () => { globalThis.__seen = true })
port1.unref()
register('data:text/javascript,' + encodeURIComponent(\`
  let port
  export function initialize(data) { port = data.port }
  export async function resolve(specifier, context, next) {
    const result = await next(specifier, context)
    if (/[\\\\\\\\/]@nestjs[\\\\\\\\/]passport[\\\\\\\\/]/.test(result.url)) port.postMessage(1)
    return result
  }
\`), { data: { port: port2 }, transferList: [port2] })
`

describe('@nestjs/passport is loaded only by @tokens/passport/nest', () => {
  it.each(['cjs', 'esm'] as const)(
    '@tokens/passport, its graph-token entry and @tokens/nest (%s) load none of it',
    (format) => {
      expect(loaded(['@tokens/passport'], format).nestPassport).toBe(false)
      expect(loaded(['@tokens/passport/graph-token'], format).nestPassport).toBe(false)
      expect(loaded(['reflect-metadata', '@tokens/nest'], format).nestPassport).toBe(false)
    },
  )

  it.each(['cjs', 'esm'] as const)('@tokens/passport/nest (%s) has TokenAuthGuard, and loads it', (format) => {
    const entry = loaded(['reflect-metadata', '@tokens/passport/nest'], format)
    expect(entry.exports).toEqual(['TokenAuthGuard'])
    expect(entry.nestPassport).toBe(true)
  })
})
