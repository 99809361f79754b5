import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { FaultOptions } from '@tokens/emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADAPTERS } from './adapters.js'
import type { GraphProxy } from './graph-proxy.js'
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

/**
 * The heap growth allowed from the warm-up baseline to the end of the run: a fixed part plus a part per
 * request, together about twice the growth measured without a leak (see the last test).
 */
const HEAP_ALLOWANCE_FIXED = 2 * 1024 * 1024
const HEAP_ALLOWANCE_PER_REQUEST = 2 * 1024

const WATCHED_HANDLES = ['TCPSocketWrap', 'TCPServerWrap', 'Timeout', 'TTYWrap', 'FSReqCallback']

/** Resolves once `proxy` has no call in flight and none arrived for 30 ms (at most 5 s). */
async function settled(proxy: GraphProxy): Promise<void> {
  let quiet = 0
  let seen = proxy.arrived
  for (let i = 0; i < 500 && quiet < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10))
    quiet = proxy.inFlight === 0 && proxy.arrived === seen ? quiet + 1 : 0
    seen = proxy.arrived
  }
}

type Kind = 'cached' | 'fresh' | 'garbage' | 'unseen' | 'foreign'

const REQUESTS_PER_PHASE = Number(process.env.CHAOS_REQUESTS ?? 200)
const CONCURRENCY = 16
/** The core's bound on `debug_token` calls in flight (its default). */
const MAX_CONCURRENT_VERIFICATIONS = 16
/** Requests per phase of the warm-up round, which runs every code path once before the heap baseline. */
const WARM_UP_PER_PHASE = 25

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
  let proxy: GraphProxy
  let baselineHandles: Record<string, number>
  let baselineHeap: number
  /** Requests sent after the heap baseline. */
  let requests = 0
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown) => void unhandled.push(reason)
  const cached: string[] = []
  const foreign: string[] = []
  /** The new and the unseen tokens of the current phase, to ask for them again once it is over. */
  let phaseTokens: { fresh: string[]; unseen: string[] } = { fresh: [], unseen: [] }
  let garbageSeq = 0

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled)
    baselineHandles = handles()
    w = await World.start()
    // Between the core and the emulator: counts the Graph calls the core has in flight.
    proxy = await w.graphProxy()
    const core = w.core({
      graphUrl: proxy.url,
      retries: 0,
      timeoutMs: 100,
      maxConcurrentVerifications: MAX_CONCURRENT_VERIFICATIONS,
    })
    url = await w.serve(adapter, core)
    // Every phase once, briefly: the code of every path is compiled before the baseline, so the heap
    // growth measured at the end is what the run kept, not what V8 compiled for it.
    await warmTokens()
    await runPhases(WARM_UP_PER_PHASE)
    // The run's own cached and foreign tokens, verified now: the warm-up's moves of the clock do not
    // age them (their entries and rejections stay as fresh as in a run without the warm-up).
    await warmTokens()
    baselineHeap = heapUsed()
  })
  afterAll(async () => {
    if (w !== undefined) await w.close()
    process.off('unhandledRejection', onUnhandled)
  })

  /** New cached and foreign tokens, verified (and cached) now. */
  async function warmTokens(): Promise<void> {
    cached.length = 0
    foreign.length = 0
    for (let i = 0; i < 20; i++) cached.push(w.userToken())
    for (let i = 0; i < 5; i++) foreign.push(w.userToken(w.otherApp.id))
    for (const raw of [...cached, ...foreign]) await w.get(url, '/user', raw)
  }

  /** A mix: cached valid tokens, new valid tokens, local garbage, unseen well-formed garbage, foreign. */
  function mix(i: number): { kind: Kind; request: { path: string; headers: Record<string, string> } } {
    const bearer = (raw: string) => ({ path: '/user', headers: { authorization: `Bearer ${raw}` } })
    switch (i % 5) {
      case 0:
        return { kind: 'cached', request: bearer(cached[i % cached.length] as string) }
      case 1: {
        const raw = w.userToken()
        phaseTokens.fresh.push(raw)
        return { kind: 'fresh', request: bearer(raw) }
      }
      case 2:
        return { kind: 'garbage', request: bearer(i % 2 ? `short${i}` : `${w.app.id}|bad|token${i}`) }
      case 3: {
        // '0'-padded: with 'x' (a base-36 digit) 'x0' and '0' padded alike, and "unseen" tokens repeated
        const raw = `EAAgarbage${(garbageSeq++).toString(36).padStart(16, '0')}`
        phaseTokens.unseen.push(raw)
        return { kind: 'unseen', request: bearer(raw) }
      }
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

  /**
   * Every phase with `perPhase` requests, each followed by recovery: faults stop, and after one retry
   * window the next request gets through. Returns how many requests it sent.
   */
  async function runPhases(perPhase: number): Promise<number> {
    let sent = 0
    let longestRetryAfter = 0
    for (const phase of PHASES) {
      phaseTokens = { fresh: [], unseen: [] }
      w.emu.setFaults(phase.faults)
      if (phase.throttle) w.emu.setUsage(w.app.id, { callCount: 100 })
      const t0 = performance.now()
      const shots = await load(w, url, perPhase, CONCURRENCY, mix)
      sent += perPhase
      if (process.env.CHAOS_DEBUG)
        console.log(adapter, phase.name, Math.round(performance.now() - t0), statuses(shots), [
          ...new Set(shots.map((s) => s.retryAfter)),
        ])
      expectSane(shots)
      if (phase.outage) {
        // nothing uncached gets through, and nobody is told their token is bad because Graph is down
        expect(statuses(shots, 'fresh'), phase.name).toEqual({ 503: perPhase / 5 })
        expect(statuses(shots, 'unseen'), phase.name).toEqual({ 503: perPhase / 5 })
      }
      for (const s of shots) if (s.retryAfter) longestRetryAfter = Math.max(longestRetryAfter, Number(s.retryAfter))

      w.emu.setFaults(null)
      if (phase.throttle) w.emu.setUsage(w.app.id, { callCount: 0 })
      w.emu.advanceTime(longestRetryAfter)
      // After an outage, the very tokens that got 503 are asked about again (a Graph call each): the
      // outage was neither cached nor left behind as a settled call that later requests would share.
      const again = phase.outage
        ? { fresh: phaseTokens.fresh[0] as string, unseen: phaseTokens.unseen[0] as string }
        : { fresh: w.userToken(), unseen: `EAAnever${phase.name.length}seen0000000000` }
      // Calls the core gave up on (its deadline) are aborted, but on a busy machine the proxy (in this
      // process, like the servers) may see one arrive a moment after its caller was answered: wait
      // until no call is in flight and none has arrived for a while, then count the calls the core
      // makes from here on, as the proxy sees them arrive.
      await settled(proxy)
      const calls = proxy.arrived
      expect((await w.get(url, '/user', again.fresh)).status, `recovery after ${phase.name}`).toBe(200)
      expect((await w.get(url, '/user', again.unseen)).status, `unseen after ${phase.name}`).toBe(401)
      expect(proxy.arrived - calls, `Graph calls after ${phase.name}`).toBe(2)
      sent += 2
    }
    return sent
  }

  it('keeps cached users in, answers 503 + Retry-After (never 401) for the rest during outages, and recovers', async () => {
    requests += await runPhases(REQUESTS_PER_PHASE)
  })

  it('keeps recently verified users in while Graph is down and their entries are stale', async () => {
    w.emu.advanceTime(400) // past the 300 s cache TTL, within the 600 s stale-on-outage window
    w.emu.setFaults({ status: 500 })
    const shots = await load(w, url, 100, CONCURRENCY, (i) => ({
      kind: 'cached' as const,
      request: { path: '/user', headers: { authorization: `Bearer ${cached[i % cached.length]}` } },
    }))
    requests += shots.length
    expect(statuses(shots)).toEqual({ 200: 100 })
    expect(w.events.join('\n')).toContain('"type":"stale_accept"')
    w.emu.setFaults(null)
  })

  it('ends with no unhandled rejection, no Graph call left open, memory near its baseline and no open handles', async () => {
    expect(unhandled).toEqual([])
    // Every call the core gave up on (the hangs, at timeoutMs) was aborted, not just abandoned: none is
    // still open at the emulator. Nothing holds one of the core's verification slots either: a slot is
    // held exactly while its `debug_token` call runs, so a slot never given back would show here, with
    // its call, as well as in the recovery checks above.
    await settled(proxy)
    expect(proxy.inFlight).toBe(0)
    // The core's connections to Graph are kept alive and reused: about one per call it had in flight at
    // once (measured 16 to 20 for a bound of 16), never one per call (hundreds here).
    expect(await proxy.connections()).toBeLessThanOrEqual(2 * MAX_CONCURRENT_VERIFICATIONS)

    // The heap after a full collection, against the one after the warm-up round. Without a leak, what
    // the run keeps on purpose (a cache entry and an emulator token per new token, every event the test
    // records, the code V8 optimised for the hot run) measured 0.7 to 2.6 MB over the 1,110 requests of
    // the default run (0.6 to 2.3 KB per request). The allowance is 2 MiB + 2 KiB per request (4.2 MiB
    // here): a leak of 4 KB or more per request fails it on every adapter (checked by keeping an extra
    // 2, 3, 3.5 and 4 KB per load request: 3.5 KB and more failed on every adapter, 3 KB on most, 2 KB
    // on none), e.g. keeping every request's Express `req` and `res` (6.7 KB). Smaller leaks pass; the
    // checks above cover what leaks by the call or the connection.
    const grown = heapUsed() - baselineHeap
    if (process.env.CHAOS_DEBUG) console.log(adapter, `heap +${grown} B over ${requests} requests`)
    expect(grown, `heap growth over ${requests} requests`).toBeLessThan(
      HEAP_ALLOWANCE_FIXED + requests * HEAP_ALLOWANCE_PER_REQUEST,
    )

    await w.close()
    let now = handles()
    for (let i = 0; i < 100 && WATCHED_HANDLES.some((t) => (now[t] ?? 0) > (baselineHandles[t] ?? 0)); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20)) // sockets close asynchronously
      now = handles()
    }
    for (const type of WATCHED_HANDLES) expect(now[type] ?? 0, type).toBeLessThanOrEqual(baselineHandles[type] ?? 0)
  })
})
