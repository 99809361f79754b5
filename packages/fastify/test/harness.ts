import { once } from 'node:events'
import type { Server } from 'node:http'
import { createTokens, type Tokens, type TokensOptions } from '@tokens/core'
import { type AppInfo, type Emulator, type NodeInfo, startEmulator } from '@tokens/emulator'
import type { FastifyInstance } from 'fastify'
import { afterAll, afterEach, beforeAll, beforeEach, expect, vi } from 'vitest'

/** Unix seconds every emulator starts at. */
export const START = 1_750_000_000

/** How a suite reaches the app: over a real socket, or through Fastify's `inject()`. */
export type Transport = 'socket' | 'inject'
export const TRANSPORTS: readonly Transport[] = ['socket', 'inject']

export interface Answer {
  status: number
  headers: Record<string, string>
  body: unknown
  text: string
}

/** One emulator (frozen clock), two apps, and per-test users, Pages and a core on the emulator's clock. */
export class Harness {
  readonly raws: string[] = []
  readonly logs: string[] = []
  #apps: Array<{ close(): Promise<unknown> }> = []
  #cores: Tokens[] = []
  #restore: Array<() => void> = []

  private constructor(
    readonly emu: Emulator,
    readonly app: AppInfo,
    readonly otherApp: AppInfo,
  ) {}

  static async start(): Promise<Harness> {
    const emu = await startEmulator({ now: START, freezeClock: true, callBudgetPerHour: 1_000_000 })
    const app = emu.createApp({ name: 'Fastify Test' })
    const otherApp = emu.createApp({ name: 'Somebody Else' })
    return new Harness(emu, app, otherApp)
  }

  /** A core on the emulator, logging every event as JSON into `logs`, no retries, a short timeout. */
  core(options: Partial<TokensOptions> = {}): Tokens {
    const core = createTokens({
      appId: this.app.id,
      appSecret: this.app.secret,
      clientToken: this.app.clientToken,
      graphUrl: this.emu.url,
      clock: () => this.emu.now() * 1000,
      retries: 0,
      timeoutMs: 1000,
      tokenSources: { header: true, query: true },
      onEvent: (event) => this.logs.push(JSON.stringify(event)),
      ...options,
    })
    this.#cores.push(core)
    return core
  }

  user(): NodeInfo {
    return this.emu.createUser({ name: 'Ada Lovelace' })
  }

  page(admin: NodeInfo): NodeInfo {
    return this.emu.createPage({ name: 'Ada Bakery', admins: [admin.id] })
  }

  /** Remembers a raw token so that every answer and log line is checked for it. */
  track(raw: string): string {
    this.raws.push(raw)
    return raw
  }

  userToken(user: NodeInfo, scopes?: string[], lifetime: 'short' | 'long' = 'long', appId = this.app.id): string {
    return this.track(this.emu.issueUserToken({ appId, userId: user.id, lifetime, ...(scopes ? { scopes } : {}) }))
  }

  pageToken(user: NodeInfo, page: NodeInfo): string {
    return this.track(
      this.emu.issuePageToken({ appId: this.app.id, userId: user.id, pageId: page.id, lifetime: 'long' }),
    )
  }

  systemUserToken(user: NodeInfo, scopes?: string[]): string {
    return this.track(
      this.emu.issueSystemUserToken({
        appId: this.app.id,
        userId: user.id,
        expiresIn: 0,
        ...(scopes ? { scopes } : {}),
      }),
    )
  }

  /** Starts a server (Express or anything with `close`) on a free port; returns its base URL. */
  async listenServer(server: Server): Promise<string> {
    await once(server, 'listening')
    this.#apps.push({
      close: async () => {
        server.closeAllConnections()
        server.close()
      },
    })
    const address = server.address()
    if (address === null || typeof address === 'string') throw new Error('no port')
    return `http://127.0.0.1:${address.port}`
  }

  /**
   * Makes a Fastify app callable: over a socket on a free port (returns its base URL), or through
   * `inject()` (returns `inject:` + an id that {@link call} routes to the app).
   */
  async serve(app: FastifyInstance, transport: Transport = 'socket'): Promise<string> {
    this.#apps.push(app)
    if (transport === 'inject') {
      await app.ready()
      this.#injected.set(`inject:${this.#injected.size}`, app)
      return `inject:${this.#injected.size - 1}`
    }
    await app.listen({ port: 0, host: '127.0.0.1' })
    const address = app.server.address()
    if (address === null || typeof address === 'string') throw new Error('no port')
    return `http://127.0.0.1:${address.port}`
  }

  #injected = new Map<string, FastifyInstance>()

  /** Captures console and stdout/stderr output (still printed) into `logs`. */
  captureOutput(): void {
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      const original = console[method]
      const spy = vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        this.logs.push(args.map(String).join(' '))
        original(...args)
      })
      this.#restore.push(() => spy.mockRestore())
    }
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write.bind(stream)
      stream.write = ((chunk: unknown, ...rest: unknown[]) => {
        this.logs.push(String(chunk))
        return (original as (...a: unknown[]) => boolean)(chunk, ...rest)
      }) as typeof stream.write
      this.#restore.push(() => {
        stream.write = original
      })
    }
  }

  /** Fails if a tracked raw token appears in `text`. */
  assertNoLeak(text: string, where: string): void {
    for (const raw of this.raws) {
      if (text.includes(raw)) throw new Error(`a raw token leaked into ${where}`)
      const secret = raw.includes('|') ? raw.slice(raw.indexOf('|') + 1) : raw
      if (secret.length >= 8 && text.includes(secret)) throw new Error(`a token's secret part leaked into ${where}`)
    }
  }

  /** An HTTP request; the answer's body and headers are checked for leaks. */
  async call(
    url: string,
    init: {
      token?: string
      headers?: Record<string, string>
      method?: string
      form?: Record<string, string>
      body?: string
    } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = { ...init.headers }
    if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`
    let body: string | undefined = init.body
    if (init.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded'
      body = new URLSearchParams(init.form).toString()
    }
    const method = init.method ?? (body === undefined ? 'GET' : 'POST')
    let status: number
    let text: string
    let answerHeaders: Record<string, string>
    const injected = url.startsWith('inject:') ? this.#injected.get(url.slice(0, url.indexOf('/'))) : undefined
    if (injected !== undefined) {
      const res = await injected.inject({
        method: method as 'GET',
        url: url.slice(url.indexOf('/')),
        headers,
        ...(body === undefined ? {} : { payload: body }),
      })
      status = res.statusCode
      text = res.body
      answerHeaders = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, String(v)]))
    } else {
      const res = await fetch(url, { method, headers, body })
      status = res.status
      text = await res.text()
      answerHeaders = Object.fromEntries(res.headers.entries())
    }
    this.assertNoLeak(text, `the body of ${url}`)
    this.assertNoLeak(JSON.stringify(answerHeaders), `the headers of ${url}`)
    let parsed: unknown = text
    try {
      parsed = JSON.parse(text)
    } catch {}
    return { status, headers: answerHeaders, body: parsed, text }
  }

  /** Closes this test's servers and cores, restores output, and checks every log line for leaks. */
  async reset(): Promise<void> {
    for (const restore of this.#restore.splice(0)) restore()
    this.#injected.clear()
    await Promise.all(this.#apps.splice(0).map((app) => app.close()))
    await Promise.all(this.#cores.splice(0).map((core) => core.close()))
    this.emu.setFaults(null)
    const logs = this.logs.splice(0)
    this.assertNoLeak(logs.join('\n'), 'a log line')
    this.raws.splice(0)
  }

  async close(): Promise<void> {
    await this.emu.close()
  }
}

/** Asserts a rejection exactly: status, challenge or Retry-After, and body. */
export function expectRejection(
  answer: Answer,
  expected: { status: number; error: string; reason?: string; challenge?: RegExp | string; retryAfter?: boolean },
): void {
  expect(answer.status).toBe(expected.status)
  const body = answer.body as Record<string, unknown>
  expect(body.error).toBe(expected.error)
  expect(typeof body.error_description).toBe('string')
  expect(body.reason).toBe(expected.reason)
  expect(answer.headers['cache-control']).toBe('no-store')
  expect(answer.headers['content-type']).toMatch(/^application\/json/)
  if (expected.retryAfter) {
    expect(answer.headers['retry-after']).toMatch(/^\d+$/)
    expect(answer.headers['www-authenticate']).toBeUndefined()
  } else {
    const challenge = answer.headers['www-authenticate']
    expect(challenge).toMatch(/^Bearer realm="api"/)
    if (expected.challenge instanceof RegExp) expect(challenge).toMatch(expected.challenge)
    else if (expected.challenge !== undefined) expect(challenge).toBe(expected.challenge)
    else if (expected.error !== 'token_required') expect(challenge).toContain(`error="${expected.error}"`)
    expect(answer.headers['retry-after']).toBeUndefined()
  }
}

/**
 * The hooks every suite of this package uses, for the enclosing `describe`: one harness started
 * before its tests and closed after, output captured before each test and everything reset after it.
 * Returns the harness (registered first, so these hooks run before the suite's own).
 */
export function useHarness(): () => Harness {
  let started: Harness | undefined
  const harness = () => {
    if (started === undefined) throw new Error('the harness did not start')
    return started
  }
  beforeAll(async () => {
    started = await Harness.start()
  })
  afterAll(async () => {
    await started?.close()
  })
  beforeEach(() => {
    harness().captureOutput()
  })
  afterEach(async () => {
    await harness().reset()
  })
  return harness
}
