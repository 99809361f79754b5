import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { FaultOptions } from '@tokens/emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADAPTERS } from './adapters.js'
import { load, type Shot, statuses } from './load.js'
import { ALLOWED_STATUSES, World } from './world.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/** Heap in use after a full collection. */
function heapUsed(): number {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

/** Sockets, servers and timers of this process, by type. */
function handles(): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1
  return counts
}

const WATCHED_HANDLES = ['TCPSocketWrap', 'TCPServerWrap', 'Timeout', 'TTYWrap', 'FSReqCallback']

type Kind = 'cached' | 'fresh' | 'garbage' | 'unseen' | 'foreign'

const REQUESTS_PER_PHASE = Number(process.env.CHAOS_REQUESTS ?? 200)
const CONCURRENCY = 16

const PHASES: ReadonlyArray<{ name: string; faults: FaultOptions; outage: boolean; throttle?: boolean }> = [
  { name: 'latency spikes', faults: { latencyMs: 60, rate: 0.5 }, outage: false },
  { name: '5xx burst', faults: { status: 503 }, outage: true },
  { name: 'Graph errors 1 and 2 on half the calls', faults: { errorCode: 2, rate: 0.5 }, outage: false },
  { name: 'hangs (timeouts)', faults: { hang: true }, outage: true },
  { name: 'throttling (code 4, X-App-Usage at 100)', faults: { errorCode: 4 }, outage: true, throttle: true },
]

describe.each(ADAPTERS)('%s: chaos under load', (adapter) => {
  let w: World
  let url: string
  let baselineHandles: Record<string, number>
  let baselineHeap: number
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown) => void unhandled.push(reason)
  const cached: string[] = []
  const foreign: string[] = []
  let garbageSeq = 0

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled)
    baselineHandles = handles()
    w = await World.start()
    const core = w.core({ retries: 0, timeoutMs: 100 })
    url = await w.serve(adapter, core)
    for (let i = 0; i < 20; i++) cached.push(w.userToken())
    for (let i = 0; i < 5; i++) foreign.push(w.userToken(w.otherApp.id))
    for (const raw of [...cached, ...foreign]) await w.get(url, '/user', raw) // warm: verified and cached
    baselineHeap = heapUsed()
  })
  afterAll(async () => {
    if (w !== undefined) await w.close()
    process.off('unhandledRejection', onUnhandled)
  })

  /** A mix: cached valid tokens, new valid tokens, local garbage, unseen well-formed garbage, foreign. */
  function mix(i: number): { kind: Kind; request: { path: string; headers: Record<string, string> } } {
    const bearer = (raw: string) => ({ path: '/user', headers: { authorization: `Bearer ${raw}` } })
    switch (i % 5) {
      case 0:
        return { kind: 'cached', request: bearer(cached[i % cached.length] as string) }
      case 1:
        return { kind: 'fresh', request: bearer(w.userToken()) }
      case 2:
        return { kind: 'garbage', request: bearer(i % 2 ? `short${i}` : `${w.app.id}|bad|token${i}`) }
      case 3:
        // '0'-padded: with 'x' (a base-36 digit) 'x0' and '0' padded alike, and "unseen" tokens repeated
        return { kind: 'unseen', request: bearer(`EAAgarbage${(garbageSeq++).toString(36).padStart(16, '0')}`) }
      default:
        return { kind: 'foreign', request: bearer(foreign[i % foreign.length] as string) }
    }
  }

  function expectSane(shots: Array<Shot<Kind>>): void {
    const bad = shots.filter((s) => !ALLOWED_STATUSES.has(s.status))
    expect(bad.map((s) => `${s.kind} ${s.status}`)).toEqual([])
    // a valid, cached token is never refused, whatever Graph does
    expect(statuses(shots, 'cached')).toEqual({ 200: shots.filter((s) => s.kind === 'cached').length })
    // what cannot be a token is refused locally, Graph or not
    for (const s of shots.filter((s) => s.kind === 'garbage')) expect(s.status).toBe(401)
    // a foreign token's rejection is remembered
    for (const s of shots.filter((s) => s.kind === 'foreign')) expect(s.status).toBe(401)
    // an uncached token is either verified (200 / 401) or, when Graph fails, 503 with Retry-After
    for (const s of shots.filter((s) => s.kind === 'fresh' || s.kind === 'unseen')) {
      if (s.status === 503) {
        expect(s.retryAfter).toMatch(/^\d+$/)
        expect(s.challenge).toBeUndefined()
      }
    }
    for (const s of shots.filter((s) => s.kind === 'fresh')) expect([200, 503]).toContain(s.status)
    for (const s of shots.filter((s) => s.kind === 'unseen')) expect([401, 503]).toContain(s.status)
  }

  it('keeps cached users in, answers 503 + Retry-After (never 401) for the rest during outages, and recovers', async () => {
    let longestRetryAfter = 0
    for (const phase of PHASES) {
      w.emu.setFaults(phase.faults)
      if (phase.throttle) w.emu.setUsage(w.app.id, { callCount: 100 })
      const t0 = performance.now()
      const shots = await load(w, url, REQUESTS_PER_PHASE, CONCURRENCY, mix)
      if (process.env.CHAOS_DEBUG)
        console.log(adapter, phase.name, Math.round(performance.now() - t0), statuses(shots), [
          ...new Set(shots.map((s) => s.retryAfter)),
        ])
      expectSane(shots)
      if (phase.outage) {
        // nothing uncached gets through, and nobody is told their token is bad because Graph is down
        expect(statuses(shots, 'fresh'), phase.name).toEqual({ 503: REQUESTS_PER_PHASE / 5 })
        expect(statuses(shots, 'unseen'), phase.name).toEqual({ 503: REQUESTS_PER_PHASE / 5 })
      }
      for (const s of shots) if (s.retryAfter) longestRetryAfter = Math.max(longestRetryAfter, Number(s.retryAfter))

      // Faults stop; after one retry window, the next request gets through.
      w.emu.setFaults(null)
      if (phase.throttle) w.emu.setUsage(w.app.id, { callCount: 0 })
      w.emu.advanceTime(longestRetryAfter)
      expect((await w.get(url, '/user', w.userToken())).status, `recovery after ${phase.name}`).toBe(200)
      expect((await w.get(url, '/user', `EAAnever${phase.name.length}seen0000000000`)).status).toBe(401)
    }
  })

  it('keeps recently verified users in while Graph is down and their entries are stale', async () => {
    w.emu.advanceTime(400) // past the 300 s cache TTL, within the 600 s stale-on-outage window
    w.emu.setFaults({ status: 500 })
    const shots = await load(w, url, 100, CONCURRENCY, (i) => ({
      kind: 'cached' as const,
      request: { path: '/user', headers: { authorization: `Bearer ${cached[i % cached.length]}` } },
    }))
    expect(statuses(shots)).toEqual({ 200: 100 })
    expect(w.events.some((line) => line.includes('"type":"stale_accept"'))).toBe(true)
    w.emu.setFaults(null)
  })

  it('ends with no unhandled rejection, memory near its baseline and no open handles', async () => {
    expect(unhandled).toEqual([])
    const grown = heapUsed() - baselineHeap
    expect(grown).toBeLessThan(64 * 1024 * 1024) // generous: a leak of every request would exceed it
    await w.close()
    let now = handles()
    for (let i = 0; i < 100 && WATCHED_HANDLES.some((t) => (now[t] ?? 0) > (baselineHandles[t] ?? 0)); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20)) // sockets close asynchronously
      now = handles()
    }
    for (const type of WATCHED_HANDLES) expect(now[type] ?? 0, type).toBeLessThanOrEqual(baselineHandles[type] ?? 0)
  })
})
