import { DEFAULTS, type Tokens } from '@tokens/core'
import autocannon from 'autocannon'
import { afterEach, describe, expect, it } from 'vitest'
import { World } from './world.js'

/** The emulator's hourly call budget of the app (Graph's is 200 × daily users; the shape is the same). */
const BUDGET = 200
const USAGE_LIMIT_PERCENT = 90
const MAX_CONCURRENT = 16
/**
 * What the core guarantees for a flood of unknown tokens: it stops calling `debug_token` once Graph's
 * `X-App-Usage` reaches `usageLimitPercent` of the budget, plus the calls already in flight then.
 */
const FLOOD_BOUND = Math.ceil((BUDGET * USAGE_LIMIT_PERCENT) / 100) + MAX_CONCURRENT

type Outcome =
  | 'ok'
  | 'token_required'
  | 'invalid_request'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'graph_unavailable'

async function outcome(core: Tokens, raw: string): Promise<Outcome> {
  try {
    await core.authenticate({ headers: { authorization: `Bearer ${raw}` } }, { required: true })
    return 'ok'
  } catch (error) {
    return (error as { code: Outcome }).code
  }
}

/** Unique garbage: what a local check refuses (odd characters, too short, broken app tokens). */
function localGarbage(i: number, appId: string): string {
  switch (i % 4) {
    case 0:
      return `bad token!${i}`
    case 1:
      return `x${i.toString(36)}`.slice(0, 19)
    case 2:
      return `${appId}|${i}|${i}`
    default:
      return `notdigits${i}|secret`
  }
}

/** Unique, well-formed `EAA…` garbage: only Graph can tell it is not a token. */
function graphGarbage(i: number): string {
  return `EAA${i.toString(36).padStart(12, '0')}GarbageGarbageGarbage`
}

describe('abuse: a flood of unique garbage tokens', () => {
  let w: World | undefined
  afterEach(async () => {
    await w?.close()
    w = undefined
  })

  it('100,000 garbage requests cost at most usageLimitPercent of the budget + the verifications in flight; known users stay in', async () => {
    w = await World.start({ callBudgetPerHour: BUDGET })
    const core = w.core({ usageLimitPercent: USAGE_LIMIT_PERCENT, maxConcurrentVerifications: MAX_CONCURRENT })
    const known = Array.from({ length: 10 }, () => (w as World).userToken())
    for (const raw of known) expect(await outcome(core, raw)).toBe('ok')
    w.emu.resetCounts()

    const counts = new Map<Outcome, number>()
    const knownOutcomes = new Map<Outcome, number>()
    const TOTAL = 100_000
    const BATCH = 500
    for (let start = 0; start < TOTAL; start += BATCH) {
      const batch: Array<Promise<void>> = []
      for (let i = start; i < start + BATCH; i++) {
        const raw = i % 2 === 0 ? localGarbage(i, w.app.id) : graphGarbage(i)
        batch.push(outcome(core, raw).then((o) => void counts.set(o, (counts.get(o) ?? 0) + 1)))
      }
      // a known user in the middle of the flood
      const user = outcome(core, known[(start / BATCH) % known.length] as string)
      batch.push(user.then((o) => void knownOutcomes.set(o, (knownOutcomes.get(o) ?? 0) + 1)))
      await Promise.all(batch)
    }
    const calls = w.emu.requestCount('/debug_token')
    console.log(
      `100,000 garbage requests → ${calls} debug_token calls (bound ${FLOOD_BOUND})`,
      Object.fromEntries(counts),
    )
    expect(calls).toBeLessThanOrEqual(FLOOD_BOUND)
    expect(calls).toBeGreaterThan(0) // the flood did reach Graph until the limit: the bound is what stopped it
    expect(knownOutcomes).toEqual(new Map([['ok', TOTAL / BATCH]]))
    // local garbage is refused as such; Graph garbage is refused by Graph, then 503 once the budget is guarded
    expect((counts.get('invalid_request') ?? 0) + (counts.get('invalid_token') ?? 0)).toBeGreaterThanOrEqual(TOTAL / 2)
    expect(counts.get('ok') ?? 0).toBe(0)
    expect(counts.get('graph_unavailable') ?? 0).toBeGreaterThan(0)

    // The usage stays high (Graph's hour has not moved on): 30 s after its last usage reading the core
    // asks again, with one round of at most maxConcurrentVerifications calls (SECURITY.md), then stops.
    w.emu.advanceTime(31)
    w.emu.resetCounts()
    await Promise.all(Array.from({ length: 2000 }, (_, i) => outcome(core, graphGarbage(TOTAL + i))))
    const probe = w.emu.requestCount('/debug_token')
    expect(probe).toBeGreaterThan(0)
    expect(probe).toBeLessThanOrEqual(MAX_CONCURRENT)
  })

  it('while X-App-Usage stays above usageLimitPercent, each 30 s costs one round of at most maxConcurrentVerifications calls', async () => {
    const world = await World.start({ callBudgetPerHour: 10_000_000 }) // the calls barely move the usage
    w = world
    const CONCURRENT = 4
    const core = world.core({ usageLimitPercent: USAGE_LIMIT_PERCENT, maxConcurrentVerifications: CONCURRENT })
    world.emu.setUsage(world.app.id, { callCount: 95 })
    const known = world.userToken()
    expect(await outcome(core, known)).toBe('ok') // the first usage reading: 95 %
    let next = 0
    const flood = async (n: number) => {
      world.emu.resetCounts()
      const outcomes = await Promise.all(Array.from({ length: n }, () => outcome(core, graphGarbage(next++))))
      return { calls: world.emu.requestCount('/debug_token'), outcomes: new Set(outcomes) }
    }
    const rounds: number[] = []
    for (let window = 0; window < 3; window++) {
      // within 30 s of the last reading: no call at all, 503 for every new token
      world.emu.advanceTime(29)
      expect(await flood(1000)).toEqual({ calls: 0, outcomes: new Set(['graph_unavailable']) })
      // past it: one round, answered by Graph (401) up to the bound, 503 for the rest
      world.emu.advanceTime(2)
      const { calls, outcomes } = await flood(1000)
      rounds.push(calls)
      expect(calls).toBeGreaterThan(0)
      expect(calls).toBeLessThanOrEqual(CONCURRENT)
      expect(outcomes).toEqual(new Set(['invalid_token', 'graph_unavailable']))
      expect(await outcome(core, known)).toBe('ok') // the known user, cached, never waits for a probe
    }
    console.log(`debug_token calls per 30 s probe window at 95 % usage: ${rounds.join(', ')} (bound ${CONCURRENT})`)
  })

  it.each([
    { name: 'maxConcurrentVerifications: 5', option: 5 },
    { name: 'the default', option: undefined },
  ])(
    'a flood of distinct unknown tokens never has more than maxConcurrentVerifications debug_token calls in flight ($name)',
    async ({ option }) => {
      w = await World.start({ callBudgetPerHour: 10_000_000 })
      const proxy = await w.graphProxy()
      const bound = option ?? DEFAULTS.maxConcurrentVerifications
      const N = 400
      const core = w.core({
        graphUrl: proxy.url,
        // This test is about the in-flight bound: every token gets to wait, however long the queue takes
        // on a loaded machine (timeoutMs bounds a request's whole wait, the queue included).
        maxQueuedVerifications: N,
        timeoutMs: 60_000,
        ...(option === undefined ? {} : { maxConcurrentVerifications: option }),
      })
      // Each call takes a while, so the flood keeps pressing against the bound; the first `bound` calls
      // are held until all have arrived, so the bound is reached on every run, whatever the scheduling.
      w.emu.setFaults({ latencyMs: 5 })
      proxy.gather(bound)
      const outcomes = await Promise.all(Array.from({ length: N }, (_, i) => outcome(core, graphGarbage(i))))
      console.log(
        `${N} distinct unknown tokens → at most ${proxy.maxInFlight} debug_token calls in flight (bound ${bound})`,
      )
      expect(proxy.maxInFlight).toBeLessThanOrEqual(bound)
      expect(proxy.maxInFlight).toBe(bound) // the flood did press against it: the bound is what held it
      expect(proxy.arrived).toBe(N) // every one was verified by Graph, none dropped
      expect(new Set(outcomes)).toEqual(new Set(['invalid_token']))
      expect(proxy.inFlight).toBe(0)
    },
  )

  it('local garbage never reaches Graph at all (50,000 requests, 0 calls)', async () => {
    w = await World.start({ callBudgetPerHour: BUDGET })
    const core = w.core()
    w.emu.resetCounts()
    const seen = new Set<Outcome>()
    for (let start = 0; start < 50_000; start += 1000) {
      const batch = Array.from({ length: 1000 }, (_, k) => outcome(core, localGarbage(start + k, (w as World).app.id)))
      for (const o of await Promise.all(batch)) seen.add(o)
    }
    expect(w.emu.requestCount('/debug_token')).toBe(0)
    expect([...seen].sort()).toEqual(['invalid_request', 'invalid_token'])
  })

  it('over HTTP (autocannon against express): unique garbage costs at most the same bound, no 500', async () => {
    w = await World.start({ callBudgetPerHour: BUDGET })
    const core = w.core({ usageLimitPercent: USAGE_LIMIT_PERCENT, maxConcurrentVerifications: MAX_CONCURRENT })
    const url = await w.serve('express', core)
    w.emu.resetCounts()
    let i = 0
    const result = await autocannon({
      url: `${url}/user`,
      amount: 5000,
      connections: 32,
      requests: [
        {
          setupRequest: (request) => {
            const raw = i % 2 === 0 ? localGarbage(i, (w as World).app.id) : graphGarbage(i)
            i++
            return { ...request, headers: { ...request.headers, authorization: `Bearer ${raw}` } }
          },
        },
      ],
    })
    const codes = Object.fromEntries(
      Object.entries(result.statusCodeStats ?? {}).map(([code, stat]) => [code, stat.count ?? 0]),
    )
    const calls = w.emu.requestCount('/debug_token')
    console.log(
      `autocannon 5,000 garbage requests → ${calls} debug_token calls`,
      codes,
      `${result.requests.average} req/s`,
    )
    expect(result.errors).toBe(0)
    expect(Object.keys(codes).sort()).toEqual(expect.arrayContaining(['401']))
    for (const code of Object.keys(codes)) expect(['400', '401', '503']).toContain(code)
    expect(calls).toBeLessThanOrEqual(FLOOD_BOUND)
  })

  it('with a large Graph budget and no maxVerificationsPerMinute, each unique garbage token costs one call', async () => {
    // Measured, not desired: without the opt-in rate, the usage guard is the only bound, so a real app
    // (budget 200 × daily users) spends up to usageLimitPercent of its budget on a flood.
    w = await World.start({ callBudgetPerHour: 10_000_000 })
    // Batches of 500 all wait their turn, however long that takes on a loaded machine.
    const core = w.core({ maxQueuedVerifications: 500, timeoutMs: 60_000 })
    w.emu.resetCounts()
    const N = 2000
    for (let start = 0; start < N; start += 500) {
      await Promise.all(Array.from({ length: 500 }, (_, k) => outcome(core, graphGarbage(start + k))))
    }
    expect(w.emu.requestCount('/debug_token')).toBe(N)
    // repeating them costs nothing: rejections are remembered for rejectionTtlSeconds
    await Promise.all(Array.from({ length: N }, (_, k) => outcome(core, graphGarbage(k))))
    expect(w.emu.requestCount('/debug_token')).toBe(N)
  })

  it('with maxVerificationsPerMinute, 100,000 garbage requests cost at most that many calls per minute, whatever the budget', async () => {
    w = await World.start({ callBudgetPerHour: 10_000_000 })
    const PER_MINUTE = 100
    const core = w.core({ maxVerificationsPerMinute: PER_MINUTE })
    const known = w.userToken()
    expect(await outcome(core, known)).toBe('ok')
    w.emu.resetCounts()
    const knownOutcomes: Outcome[] = []
    for (let start = 0; start < 100_000; start += 1000) {
      const batch = Array.from({ length: 1000 }, (_, k) =>
        outcome(core, k % 2 ? graphGarbage(start + k) : localGarbage(start + k, (w as World).app.id)),
      )
      knownOutcomes.push(await outcome(core, known))
      await Promise.all(batch)
    }
    const calls = w.emu.requestCount('/debug_token')
    console.log(`100,000 garbage requests with maxVerificationsPerMinute ${PER_MINUTE} → ${calls} debug_token calls`)
    expect(calls).toBeLessThanOrEqual(PER_MINUTE - 1) // one of the minute went to the known user
    expect(new Set(knownOutcomes)).toEqual(new Set(['ok']))
  })

  // Rejections used to share the LRU with valid verifications, so a flood of unique garbage evicted
  // known users, who then got 503 during a later Graph outage. The LRU now evicts rejections first.
  it('a garbage flood larger than the cache does not evict known users: they stay in during a later outage', async () => {
    w = await World.start({ callBudgetPerHour: 10_000_000 })
    const core = w.core({ cacheMaxEntries: 100 })
    const known = w.userToken()
    expect(await outcome(core, known)).toBe('ok')
    await Promise.all(Array.from({ length: 300 }, (_, k) => outcome(core, graphGarbage(k))))
    w.emu.advanceTime(400) // its entry is now stale, kept for outages
    w.emu.setFaults({ status: 503 })
    expect(await outcome(core, known)).toBe('ok')
  })
})
