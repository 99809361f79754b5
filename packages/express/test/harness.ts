import { once } from 'node:events'
import type { Server } from 'node:http'
import { createTokens, type Tokens, type TokensOptions } from '@tokens/core'
import { type AppInfo, type Emulator, type NodeInfo, startEmulator } from '@tokens/emulator'
import express, { type Express } from 'express'
import express4 from 'express4'
import { afterAll, afterEach, beforeAll, beforeEach, expect, vi } from 'vitest'

/** Unix seconds every emulator starts at. */
export const START = 1_750_000_000

/** The same suites run on both majors. */
export const FRAMEWORKS: ReadonlyArray<readonly [string, () => Express]> = [
  ['express 5', () => express()],
  ['express 4', () => express4()],
]

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
  #servers: Server[] = []
  #cores: Tokens[] = []
  #restore: Array<() => void> = []

  private constructor(
    readonly emu: Emulator,
    readonly app: AppInfo,
    readonly otherApp: AppInfo,
  ) {}

  static async start(): Promise<Harness> {
    const emu = await startEmulator({ now: START, freezeClock: true, callBudgetPerHour: 1_000_000 })
    const app = emu.createApp({ name: 'Express Test' })
    const otherApp = emu.createApp({ name: 'Somebody Else' })
    return new Harness(emu, app, otherApp)
  }

  /** A core on the emulator, logging every event as JSON into `logs`, no retries, a short timeout. */
  core(options: Partial<TokensOptions> = {}): Tokens {
    const core = createTokens({
      ...this.emu.coreOptions(this.app),
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

  /** Starts an app on a free port; returns its base URL. */
  async listen(app: Express): Promise<string> {
    const server = app.listen(0, '127.0.0.1')
    await once(server, 'listening')
    this.#servers.push(server)
    const address = server.address()
    if (address === null || typeof address === 'string') throw new Error('no port')
    return `http://127.0.0.1:${address.port}`
  }

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
    init: { token?: string; headers?: Record<string, string>; method?: string; form?: Record<string, string> } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = { ...init.headers }
    if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`
    let body: string | undefined
    if (init.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded'
      body = new URLSearchParams(init.form).toString()
    }
    const res = await fetch(url, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body })
    const text = await res.text()
    const answerHeaders = Object.fromEntries(res.headers.entries())
    this.assertNoLeak(text, `the body of ${url}`)
    this.assertNoLeak(JSON.stringify(answerHeaders), `the headers of ${url}`)
    let parsed: unknown = text
    try {
      parsed = JSON.parse(text)
    } catch {}
    return { status: res.status, headers: answerHeaders, body: parsed, text }
  }

  /** Closes this test's servers and cores, restores output, and checks every log line for leaks. */
  async reset(): Promise<void> {
    for (const restore of this.#restore.splice(0)) restore()
    for (const server of this.#servers.splice(0)) {
      server.closeAllConnections()
      server.close()
    }
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
