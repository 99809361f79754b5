import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADAPTERS } from './adapters.js'
import { type Answer, World } from './world.js'

/**
 * The cache staleness window (SECURITY.md): a token withdrawn at Graph still works until its cached
 * verification is `cacheTtlSeconds` old, and while Graph itself fails, up to `staleOnOutageSeconds`.
 * An attacker holding a revoked token must not stretch that window by spending the per-minute
 * verification budget with a flood of garbage: a refusal the core makes itself (its own rate limit)
 * is not an outage, so it never serves a stale verification.
 */
const TTL_SECONDS = 300
const PER_MINUTE = 5

function body(answer: Answer): Record<string, unknown> {
  return JSON.parse(answer.text) as Record<string, unknown>
}

/** A well-formed token Graph never issued: costs a debug_token call, or a 503 once the minute is spent. */
function garbage(): string {
  return `EAAB${randomBytes(30).toString('hex')}`
}

describe.each(ADAPTERS)('%s: a flood cannot stretch how long a revoked token works', (adapter) => {
  let w: World
  let url: string

  beforeAll(async () => {
    w = await World.start()
    url = await w.serve(adapter, w.core({ maxVerificationsPerMinute: PER_MINUTE, cacheTtlSeconds: TTL_SECONDS }))
  })
  afterAll(async () => {
    w.emu.setFaults(null)
    await w.close()
  })

  it('a token revoked at Graph is refused once its verification is stale, even while a flood holds the minute', async () => {
    const revoked = w.userToken()
    expect((await w.get(url, '/user', revoked)).status).toBe(200)
    w.emu.invalidateToken(revoked, 'password_changed')
    // inside the documented window it is still served from the cache (no Graph call)
    expect((await w.get(url, '/user', revoked)).status).toBe(200)

    w.emu.advanceTime(TTL_SECONDS + 1) // the verification is stale (but kept, for outages)
    const calls = w.emu.requestCount('/debug_token')
    const flood = await Promise.all(Array.from({ length: 30 }, () => w.get(url, '/any', garbage())))
    const statuses = flood.map((a) => a.status)
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThanOrEqual(30 - PER_MINUTE) // the minute is spent
    expect(statuses.filter((s) => s !== 401 && s !== 503)).toEqual([])
    expect(w.emu.requestCount('/debug_token') - calls).toBeLessThanOrEqual(PER_MINUTE)
    // …and a genuinely new token would wait for the next minute: the flood did hold it
    expect((await w.get(url, '/user', w.userToken())).status).toBe(503)

    const answer = await w.get(url, '/user', revoked)
    expect(answer.status).toBe(401)
    expect(body(answer)).toMatchObject({ error: 'invalid_token', reason: 'password_changed' })
    expect(w.emu.requestCount('/debug_token')).toBe(calls + PER_MINUTE + 1) // it was asked about again
  })

  it('nor can slow garbage that fills the verification queue: the revoked token gets 503, never its stale verification', async () => {
    // one slot, no queue: one slow garbage verification holds everything (Graph is slow, not failing)
    const tight = await w.serve(adapter, w.core({ maxConcurrentVerifications: 1, maxQueuedVerifications: 0 }))
    const revoked = w.userToken()
    expect((await w.get(tight, '/user', revoked)).status).toBe(200)
    w.emu.invalidateToken(revoked, 'password_changed')
    w.emu.advanceTime(TTL_SECONDS + 1)

    w.emu.setFaults({ latencyMs: 400, paths: ['/debug_token'] })
    const calls = w.emu.requestCount('/debug_token')
    const slow = w.get(tight, '/any', garbage())
    while (w.emu.requestCount('/debug_token') === calls) await new Promise((resolve) => setTimeout(resolve, 5))
    const answer = await w.get(tight, '/user', revoked) // the slot is taken: the core refuses itself
    expect(answer.status).toBe(503)
    expect(answer.headers['retry-after']).toBe('1')
    expect((await slow).status).toBe(401)
    w.emu.setFaults(null)

    const after = await w.get(tight, '/user', revoked)
    expect(after.status).toBe(401)
    expect(body(after)).toMatchObject({ error: 'invalid_token', reason: 'password_changed' })
  })

  it('during a real Graph outage a recently verified token is still accepted (stale), and a new one gets 503', async () => {
    const known = w.userToken()
    w.emu.advanceTime(61) // a fresh minute
    expect((await w.get(url, '/user', known)).status).toBe(200)
    w.emu.advanceTime(TTL_SECONDS + 1)
    w.emu.setFaults({ status: 503 })
    const stale = w.events.length
    const answer = await w.get(url, '/user', known)
    expect(answer.status).toBe(200)
    expect(body(answer)).toEqual({ type: 'user', appId: w.app.id, userId: w.user.id })
    expect(w.events.slice(stale).join('\n')).toContain('"type":"stale_accept"')

    const unknown = await w.get(url, '/user', w.userToken())
    expect(unknown.status).toBe(503)
    expect(unknown.headers['retry-after']).toMatch(/^\d+$/)
    w.emu.setFaults(null)
  })
})
