import type { TokensOptions } from '@tokens/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ADAPTERS } from './adapters.js'
import { World } from './world.js'

/**
 * Graph stops answering (the emulator holds every request open). However many retries the core may
 * make and however many new tokens arrive, no request may wait past `timeoutMs` plus slack: the old
 * core waited `timeoutMs` per attempt (3 attempts by default) and queued new tokens without bound, so
 * a hang held requests for minutes. Timings are real (the deadline is wall-clock time); the bounds are
 * generous, and each one is one that the old behaviour breaks by a wide margin.
 */
const TIMEOUT_MS = 300
/** Slack on top of `timeoutMs` for a loaded 2-core machine: scheduling, HTTP, the framework. */
const SLACK_MS = 1000
/** Retries the core may make; with per-attempt timeouts a hang would cost (RETRIES + 1) × TIMEOUT_MS = 1800 ms. */
const RETRIES = 5

interface Timed {
  status: number
  retryAfter: string | null
  challenge: string | null
  ms: number
}

/** Sends every token at once over its own connection (no client-side queue); times each answer from the burst's start. */
async function burst(url: string, tokens: readonly string[]): Promise<Timed[]> {
  const start = performance.now()
  return Promise.all(
    tokens.map(async (token) => {
      const answer = await fetch(`${url}/any`, { headers: { authorization: `Bearer ${token}` } })
      await answer.arrayBuffer()
      return {
        status: answer.status,
        retryAfter: answer.headers.get('retry-after'),
        challenge: answer.headers.get('www-authenticate'),
        ms: performance.now() - start,
      }
    }),
  )
}

describe.each(ADAPTERS)('%s: a hanging Graph cannot hold requests past timeoutMs', (adapter) => {
  let w: World

  beforeEach(async () => {
    w = await World.start()
  })
  afterEach(async () => {
    w.emu.setFaults(null)
    await w.close()
  })

  async function serve(options: Partial<TokensOptions>): Promise<string> {
    return w.serve(adapter, w.core({ timeoutMs: TIMEOUT_MS, retries: RETRIES, ...options }))
  }

  const newTokens = (n: number) => Array.from({ length: n }, () => w.userToken())

  it(`a new token answers 503 + Retry-After within timeoutMs + ${SLACK_MS} ms, retries or not; then verifies again`, async () => {
    const url = await serve({})
    w.emu.setFaults({ hang: true })
    const [answer] = (await burst(url, newTokens(1))) as [Timed]
    expect(answer.status).toBe(503)
    expect(answer.retryAfter).toMatch(/^\d+$/)
    expect(answer.challenge).toBeNull() // an outage is not the client's token: no challenge
    expect(answer.ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50) // it did wait for Graph…
    expect(answer.ms).toBeLessThan(TIMEOUT_MS + SLACK_MS) // …but not once per attempt
    console.log(
      `${adapter}: a hung verification answered 503 after ${Math.round(answer.ms)} ms (timeoutMs ${TIMEOUT_MS})`,
    )

    w.emu.setFaults(null)
    const [after] = (await burst(url, newTokens(1))) as [Timed]
    expect(after.status).toBe(200)
  })

  it('50 new tokens at once with maxConcurrentVerifications: 2 are all answered (503) within the same bound, none queued for long', async () => {
    const url = await serve({ maxConcurrentVerifications: 2 })
    w.emu.setFaults({ hang: true })
    const answers = await burst(url, newTokens(50))
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(503))
    for (const answer of answers) expect(answer.retryAfter).toMatch(/^\d+$/)
    const slowest = Math.max(...answers.map((a) => a.ms))
    // queued behind two hung calls, 300 ms each, the 50th would have waited 25 × 300 ms = 7.5 s
    expect(slowest).toBeLessThan(TIMEOUT_MS + SLACK_MS)
    console.log(`${adapter}: 50 hung verifications, 2 at a time: the last 503 after ${Math.round(slowest)} ms`)

    w.emu.setFaults(null)
    const again = await burst(url, newTokens(5))
    expect(again.map((a) => a.status)).toEqual(Array(5).fill(200))
  })

  it('with maxQueuedVerifications: 10, the tokens beyond the queue get 503 Retry-After: 1 at once, before any deadline', async () => {
    // a longer deadline here, so that "at once" and "at the deadline" are far apart
    const deadlineMs = 2000
    const url = await serve({ timeoutMs: deadlineMs, maxConcurrentVerifications: 2, maxQueuedVerifications: 10 })
    w.emu.setFaults({ hang: true })
    const answers = await burst(url, newTokens(50))
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(503))
    const shed = answers.filter((a) => a.retryAfter === '1')
    const waited = answers.filter((a) => a.retryAfter !== '1')
    // 2 calls in flight, 10 waiting for a slot: the 38 others are shed
    expect(shed).toHaveLength(38)
    expect(Math.max(...shed.map((a) => a.ms))).toBeLessThan(deadlineMs / 2)
    // the 12 that got in line waited for their deadline, and no longer
    expect(waited).toHaveLength(12)
    for (const answer of waited) {
      expect(answer.ms).toBeGreaterThanOrEqual(deadlineMs - 100)
      expect(answer.ms).toBeLessThan(deadlineMs + SLACK_MS)
    }

    const range = waited.map((a) => Math.round(a.ms))
    console.log(
      `${adapter}: 38 shed within ${Math.round(Math.max(...shed.map((a) => a.ms)))} ms, ` +
        `12 queued answered at ${Math.min(...range)}-${Math.max(...range)} ms (deadline ${deadlineMs} ms)`,
    )

    w.emu.setFaults(null)
    const again = await burst(url, newTokens(3))
    expect(again.map((a) => a.status)).toEqual(Array(3).fill(200))
  })
})
