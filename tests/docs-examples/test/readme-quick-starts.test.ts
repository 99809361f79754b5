/**
 * The READMEs' quick starts run: each `## Quick start` block (after its README's preamble, as it is
 * compiled in readme-examples.test.ts) is transpiled and imported as a module, with Graph's address
 * sent to `@tokens/emulator` (the `fetch` the core captures at `createTokens()` rewrites
 * `https://graph.facebook.com` to the emulator), the environment variables the block reads set to the
 * emulator's app, and the preamble's placeholders (`raw`, `short`, `userId`) given real values. The
 * test then asserts what the block did, through what it defined (`app`, `tokens`) and the emulator.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createTokens, type Tokens, type UserToken } from '@tokens/core'
import { type AppInfo, type Emulator, type NodeInfo, startEmulator } from '@tokens/emulator'
import type { Express } from 'express'
import ts from 'typescript'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { HERE } from './examples.js'
import { findReadmes, preambleFor, type Readme } from './readme-examples.js'

const RUN_DIR = join(HERE, '.readme-run')
const readmes = new Map(findReadmes().map((readme) => [readme.packageName, readme]))
const realFetch = globalThis.fetch
let runs = 0

/** The quick start of a README, as a module file next to this package (so its imports resolve here). */
function quickStartModule(readme: Readme): string {
  const block = readme.blocks.find((candidate) => candidate.heading === '## Quick start')
  if (block === undefined) throw new Error(`${readme.file} has no ts block under ## Quick start`)
  const preamble = readme.preamble === undefined ? '' : preambleFor(readme.preamble.code, block.code)
  const source = `${preamble}\n${block.code}\n`
  const exported = definedNames(source)
  const { outputText } = ts.transpileModule(`${source}export { ${exported.join(', ')} }\n`, {
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
    },
  })
  mkdirSync(RUN_DIR, { recursive: true })
  const file = join(RUN_DIR, `${readme.packageName.replace('@tokens/', '')}-${++runs}.mjs`)
  writeFileSync(file, outputText)
  return file
}

/** Names a module defines at run time (not `declare`d ones, which the preamble leaves to the test). */
function definedNames(code: string): string[] {
  const source = ts.createSourceFile('quick-start.mts', code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS)
  const names: string[] = []
  for (const statement of source.statements) {
    const ambient = ts.canHaveModifiers(statement)
      ? ts.getModifiers(statement)?.some((modifier) => modifier.kind === ts.SyntaxKind.DeclareKeyword)
      : false
    if (ambient === true) continue
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (ts.isIdentifier(declaration.name)) names.push(declaration.name.text)
      }
    } else if ((ts.isClassDeclaration(statement) || ts.isFunctionDeclaration(statement)) && statement.name) {
      const exportedAlready = ts
        .getModifiers(statement)
        ?.some((modifier) => modifier.kind === ts.SyntaxKind.ExportKeyword)
      if (exportedAlready !== true) names.push(statement.name.text)
    }
  }
  return names
}

/** Imports a quick start with `env` set and `globals` defined, restoring both afterwards. */
async function runQuickStart(
  packageName: string,
  env: Record<string, string | undefined>,
  globals: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  const readme = readmes.get(packageName)
  if (readme === undefined) throw new Error(`no README for ${packageName}`)
  const file = quickStartModule(readme)
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]))
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[key]
    else process.env[key] = value
  }
  Object.assign(globalThis, globals)
  try {
    return (await import(pathToFileURL(file).href)) as Record<string, unknown>
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
    for (const key of Object.keys(globals)) Reflect.deleteProperty(globalThis, key)
  }
}

let emu: Emulator
let fb: AppInfo
let ada: NodeInfo
let page: NodeInfo
let verifier: Tokens
let appEnv: Record<string, string>
let cwd: string
const key = randomBytes(32).toString('base64')

beforeAll(async () => {
  emu = await startEmulator({ callBudgetPerHour: 100_000 })
  // Every `fetch` to Graph goes to the emulator: the core takes `globalThis.fetch` when it is created.
  globalThis.fetch = (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    return realFetch(url.replace(/^https:\/\/graph\.facebook\.com/, emu.url), init)
  }
})

beforeEach(() => {
  fb = emu.createApp({ name: 'Quick start' })
  ada = emu.createUser({ name: 'Ada Lovelace' })
  page = emu.createPage({ name: 'Ada Bakery', admins: [ada.id] })
  verifier = createTokens({ appId: fb.id, appSecret: fb.secret, graphUrl: emu.url })
  appEnv = { FB_APP_ID: fb.id, FB_APP_SECRET: fb.secret, META_APP_ID: fb.id, META_APP_SECRET: fb.secret }
  cwd = process.cwd()
  emu.resetCounts()
})

afterEach(async () => {
  process.chdir(cwd)
  await verifier.close()
})

afterAll(async () => {
  globalThis.fetch = realFetch
  await emu.close()
  rmSync(RUN_DIR, { recursive: true, force: true })
})

/** Listens on a free loopback port and returns the base URL and a closer. */
async function serve(app: Express): Promise<{ url: string; close: () => void }> {
  const server = app.listen(0, '127.0.0.1')
  await new Promise<void>((resolve) => server.once('listening', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no address')
  return { url: `http://127.0.0.1:${address.port}`, close: () => server.close() }
}

describe('README quick starts, run against the emulator', () => {
  it('@tokens/core: verifies a Page token and posts as the Page', async () => {
    const raw = emu.issuePageToken({ appId: fb.id, userId: ada.id, pageId: page.id })
    emu.issueUserToken({ appId: fb.id, userId: ada.id, scopes: ['pages_manage_posts'] })
    const module = await runQuickStart('@tokens/core', appEnv, { raw })
    expect(module.tokens).toBeDefined()
    expect(emu.requestCount('/debug_token')).toBe(1)
    expect(emu.requestCounts()).toMatchObject({ [`/${page.id}/feed`]: 1 })
    await (module.tokens as Tokens).close()
  })

  it('@tokens/express: the app answers with the typed token, and 401 without one', async () => {
    const module = await runQuickStart('@tokens/express', appEnv)
    const server = await serve(module.app as Express)
    try {
      const user = emu.issueUserToken({ appId: fb.id, userId: ada.id })
      const pageToken = emu.issuePageToken({ appId: fb.id, userId: ada.id, pageId: page.id })
      const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } })
      expect(await (await fetch(`${server.url}/feed`)).json()).toEqual({ signedIn: false })
      const me = await fetch(`${server.url}/me`, bearer(user))
      expect([me.status, await me.json()]).toEqual([200, { type: 'user' }])
      expect((await fetch(`${server.url}/me`)).status).toBe(401)
      const posted = await fetch(`${server.url}/posts`, { method: 'POST', ...bearer(pageToken) })
      expect(posted.status).toBe(200)
      expect(await posted.json()).toHaveProperty('id')
    } finally {
      server.close()
    }
  })

  it('@tokens/sqlite: exchanges, saves and revokes in tokens.db; without TOKEN_KEY, a TypeError naming the option', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokens-readme-sqlite-'))
    try {
      process.chdir(dir)
      const short: UserToken = await verifier.verify(
        emu.issueUserToken({ appId: fb.id, userId: ada.id, scopes: ['pages_show_list'] }),
        { type: 'user' },
      )
      const module = await runQuickStart('@tokens/sqlite', { ...appEnv, TOKEN_KEY: key }, { short, userId: ada.id })
      expect(existsSync(join(dir, 'tokens.db'))).toBe(true)
      expect(emu.requestCount('/oauth/access_token')).toBe(1)
      expect(emu.requestCount('/me/accounts')).toBeGreaterThanOrEqual(1)
      await (module.tokens as Tokens).close()

      await expect(
        runQuickStart('@tokens/sqlite', { ...appEnv, TOKEN_KEY: undefined }, { short, userId: ada.id }),
      ).rejects.toThrow(
        new TypeError(
          'encryption.keys.k1 must be a string or a Uint8Array of 32 bytes, not undefined (an unset environment variable?)',
        ),
      )
    } finally {
      process.chdir(cwd)
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('@tokens/redis: verifications cached in Redis; without TOKEN_KEY or REDIS_URL, TypeErrors naming the option', async (ctx) => {
    const redis = await startRedis()
    if ('missing' in redis) {
      console.warn(`SKIPPED: the Redis quick start needs redis-server: ${redis.missing}`)
      ctx.skip()
      return
    }
    try {
      const module = await runQuickStart('@tokens/redis', { ...appEnv, TOKEN_KEY: key, REDIS_URL: redis.url })
      const tokens = module.tokens as Tokens
      const raw = emu.issueUserToken({ appId: fb.id, userId: ada.id })
      expect((await tokens.verify(raw, { type: 'user' })).userId).toBe(ada.id)
      expect((await tokens.verify(raw, { type: 'user' })).userId).toBe(ada.id)
      expect(emu.requestCount('/debug_token')).toBe(1)
      await tokens.close()

      await expect(
        runQuickStart('@tokens/redis', { ...appEnv, TOKEN_KEY: undefined, REDIS_URL: redis.url }),
      ).rejects.toThrow(/^encryption\.keys\.k1 must be .* \(an unset environment variable\?\)$/)
      await expect(runQuickStart('@tokens/redis', { ...appEnv, TOKEN_KEY: key, REDIS_URL: undefined })).rejects.toThrow(
        /^redisCache: option 'url' must be a redis:\/\/ or rediss:\/\/ URL/,
      )
    } finally {
      redis.stop()
    }
  })

  it('@tokens/emulator: its quick start runs as written', async () => {
    const logged: unknown[] = []
    const log = console.log
    console.log = (...args: unknown[]) => logged.push(args)
    try {
      await runQuickStart('@tokens/emulator', {})
    } finally {
      console.log = log
    }
    expect(logged).toEqual([[true], [1]])
  })
})

/** A throwaway redis-server on a free loopback port, persisting nothing. */
async function startRedis(): Promise<{ url: string; stop: () => void } | { missing: string }> {
  const port = await new Promise<number>((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject()))
    })
  })
  const dir = mkdtempSync(join(tmpdir(), 'tokens-readme-redis-'))
  return new Promise((resolve) => {
    const proc = spawn(
      process.env.REDIS_SERVER ?? 'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    )
    let out = ''
    const stop = () => {
      proc.kill('SIGTERM')
      rmSync(dir, { recursive: true, force: true })
    }
    proc.on('error', () => resolve({ missing: 'redis-server is not installed' }))
    proc.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      if (out.includes('Ready to accept connections')) {
        proc.stdout.resume()
        resolve({ url: `redis://127.0.0.1:${port}`, stop })
      }
    })
    proc.on('exit', (code) => resolve({ missing: `redis-server exited (${code}): ${out}` }))
  })
}
