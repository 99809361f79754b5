import { createHash } from 'node:crypto'
import type { TokensEvent } from '@tokens/core'
import { type AppInfo, type Emulator, type NodeInfo, startEmulator } from '@tokens/emulator'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { shuffled, Worker } from './cache-worker.js'
import { startRedis, type TestRedis } from './redis-server.js'

let config: Record<string, string>
let server: TestRedis
let emu: Emulator
let app: AppInfo
let user: NodeInfo
let a: Worker
let b: Worker
const issued: string[] = []
const workers: Worker[] = []

beforeAll(async () => {
  server = await startRedis()
  emu = await startEmulator({ port: 0 }) // real time: the workers use Date.now
  app = emu.createApp({ name: 'Two Processes' })
  user = emu.createUser({ name: 'Katherine Johnson' })
  config = { appId: app.id, appSecret: app.secret, graphUrl: emu.url, redisUrl: server.url, prefix: 'xp:' }
  a = new Worker()
  b = new Worker()
  workers.push(a, b)
  await Promise.all([a.call('init', config), b.call('init', config)])
})

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()])
  // No raw token ever reached a log line, a result or an error message of any process.
  for (const w of workers) {
    expect(w.output).not.toMatch(/Unhandled error/)
    for (const raw of issued) expect(w.output).not.toContain(raw)
  }
  await emu?.close()
  await server?.stop()
})

function newTokens(count: number): string[] {
  const out = Array.from({ length: count }, () => emu.issueUserToken({ appId: app.id, userId: user.id }))
  issued.push(...out)
  return out
}

const debugTokenCalls = () => emu.requestCount('/debug_token')

describe('redisCache across two Node processes', () => {
  it('process B makes no Graph call for a token process A verified', async () => {
    const [raw] = newTokens(1) as [string]
    const before = debugTokenCalls()
    expect(await a.verify([raw])).toEqual(['ok'])
    expect(debugTokenCalls()).toBe(before + 1)
    expect(await b.verify([raw, raw])).toEqual(['ok', 'ok'])
    expect(debugTokenCalls()).toBe(before + 1)
  })

  it('2 × 100 concurrent verifications of 20 new tokens make exactly 20 debug_token calls', async () => {
    const raws = newTokens(20)
    const load = raws.flatMap((raw) => [raw, raw, raw, raw, raw]) // 100 per process
    const before = debugTokenCalls()
    emu.setFaults({ latencyMs: 20 }) // keep calls in flight while the other process asks
    try {
      const [fromA, fromB] = await Promise.all([a.verify(shuffled(load, 1)), b.verify(shuffled(load, 2))])
      expect(fromA.filter((s) => s === 'ok')).toHaveLength(100)
      expect(fromB.filter((s) => s === 'ok')).toHaveLength(100)
    } finally {
      emu.setFaults(null)
    }
    expect(debugTokenCalls()).toBe(before + 20)
  })

  it('a revocation in A is seen in B within a second', async () => {
    const [raw] = newTokens(1) as [string]
    expect(await a.verify([raw])).toEqual(['ok'])
    expect(await b.verify([raw])).toEqual(['ok'])
    emu.invalidateToken(raw, 'app_removed') // Facebook's side; then the deauthorize callback reaches A
    expect(await b.verify([raw])).toEqual(['ok']) // B still trusts its cached verification
    await a.call('revoke', { userId: user.id })
    await expect.poll(async () => (await b.verify([raw]))[0], { timeout: 1000, interval: 20 }).toBe('invalid_token')
  })

  it('a lock holder killed mid-call: the other process takes over once the lock expires', async () => {
    const [raw] = newTokens(1) as [string]
    const doomed = new Worker()
    workers.push(doomed)
    await doomed.call('init', { ...config, cache: { lockTtlMs: 300 } })
    const lock = `xp:lock:${createHash('sha256').update(raw).digest('hex')}:${app.id}` // the core's cache key
    const probe = new Redis(server.url)
    emu.setFaults({ latencyMs: 10_000 }) // the holder's debug_token call will not come back
    try {
      const sent = debugTokenCalls()
      void doomed.verify([raw]).catch(() => {})
      // It holds the lock and its call has reached Graph.
      await expect.poll(() => debugTokenCalls(), { timeout: 5000, interval: 10 }).toBe(sent + 1)
      expect(await probe.exists(lock)).toBe(1)
      await doomed.kill()
    } finally {
      emu.setFaults(null)
    }
    const before = debugTokenCalls()
    expect(await b.verify([raw, raw])).toEqual(['ok', 'ok'])
    expect(debugTokenCalls()).toBe(before + 1)
    expect(await probe.exists(lock)).toBe(0)
    probe.disconnect()
  })

  it('Redis killed mid-run and restarted: no request fails, and sharing resumes', async () => {
    const hot = newTokens(5)
    expect(await a.verify(hot)).toEqual(Array(5).fill('ok'))
    const during = newTokens(20)
    emu.setFaults({ latencyMs: 100 }) // debug_token calls (and Redis locks) in flight when Redis dies
    let results: string[][]
    try {
      const before = debugTokenCalls()
      const run = Promise.all([a.verify([...during, ...hot]), b.verify([...hot, ...during])])
      // Kill Redis once debug_token calls are in flight (each takes 100 ms at the emulator).
      while (debugTokenCalls() === before) await new Promise((resolve) => setImmediate(resolve))
      await server.kill()
      results = await run
      // While Redis is down, both keep answering.
      results.push(...(await Promise.all([a.verify([...hot, ...newTokens(5)]), b.verify(hot)])))
    } finally {
      emu.setFaults(null)
      await server.restart()
    }
    for (const statuses of results) expect(statuses.filter((s) => s !== 'ok')).toEqual([])
    const { events } = await a.call<{ events: TokensEvent[] }>('events')
    expect(events).toContainEqual(expect.objectContaining({ type: 'error', where: 'cache' }))
    // Both reconnect by themselves: a token A verifies is soon served to B by Redis again.
    await expect
      .poll(
        async () => {
          const [raw] = newTokens(1) as [string]
          await a.verify([raw])
          const before = debugTokenCalls()
          await b.verify([raw])
          return debugTokenCalls() - before
        },
        { timeout: 5000, interval: 100 },
      )
      .toBe(0)
  })
})
