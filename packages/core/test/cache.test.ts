import { afterEach, describe, expect, it } from 'vitest'
import { GraphApiError, type TokenError } from '../src/index.js'
import { createFixture, type Fixture, rejection } from './fixture.js'

let f: Fixture
afterEach(async () => {
  await f?.close()
})

function userToken(lifetime: 'short' | 'long' = 'long'): string {
  return f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id, scopes: ['public_profile'], lifetime })
}

describe('verification cache', () => {
  it('answers a second verify from the cache, with no Graph call', async () => {
    f = await createFixture()
    const raw = userToken()
    await f.tokens.verify(raw)
    await f.tokens.verify(raw)
    await f.tokens.verify(raw, { type: 'user' })
    expect(f.emu.requestCount('/debug_token')).toBe(1)
    const verifies = f.events.filter((e) => e.type === 'verify')
    expect(verifies.map((e) => e.type === 'verify' && e.cached)).toEqual([false, true, true])
  })

  it('makes one Graph call for 100 concurrent verifies of one new token', async () => {
    f = await createFixture()
    const raw = userToken()
    const results = await Promise.all(Array.from({ length: 100 }, () => f.tokens.verify(raw)))
    expect(new Set(results.map((t) => t.type))).toEqual(new Set(['user']))
    expect(f.emu.requestCount('/debug_token')).toBe(1)
  })

  it('caches rejections briefly, then asks again', async () => {
    f = await createFixture({ rejectionTtlSeconds: 60 })
    const foreign = f.emu.issueUserToken({ appId: f.otherApp.id, userId: f.user.id })
    for (let i = 0; i < 3; i++)
      expect(((await rejection(() => f.tokens.verify(foreign))) as TokenError).reason).toBe('wrong_app')
    expect(f.emu.requestCount('/debug_token')).toBe(1)
    f.emu.advanceTime(61)
    await rejection(() => f.tokens.verify(foreign))
    expect(f.emu.requestCount('/debug_token')).toBe(2)
  })

  it('re-verifies after cacheTtlSeconds and sees an invalidation', async () => {
    f = await createFixture({ cacheTtlSeconds: 300 })
    const raw = userToken()
    await f.tokens.verify(raw)
    f.emu.invalidateToken(raw, 'password_changed')
    await f.tokens.verify(raw) // still cached: the staleness window is cacheTtlSeconds
    f.emu.advanceTime(301)
    expect(((await rejection(() => f.tokens.verify(raw))) as TokenError).reason).toBe('password_changed')
    expect(f.emu.requestCount('/debug_token')).toBe(2)
  })

  it('does not serve a token past its expiry, even inside the cache lifetime', async () => {
    f = await createFixture({ cacheTtlSeconds: 86_400 })
    const raw = userToken('short')
    const token = await f.tokens.verify(raw)
    const secondsLeft = (token.expiresAt!.getTime() - f.emu.now() * 1000) / 1000
    f.emu.advanceTime(secondsLeft - 1)
    await f.tokens.verify(raw)
    expect(f.emu.requestCount('/debug_token')).toBe(1)
    f.emu.advanceTime(2)
    expect(((await rejection(() => f.tokens.verify(raw))) as TokenError).reason).toBe('expired')
  })

  it('forgets every verification of a revoked user', async () => {
    f = await createFixture()
    const raw = userToken()
    const page = f.emu.issuePageToken({ appId: f.app.id, userId: f.user.id, pageId: f.pages[0]!.id, lifetime: 'long' })
    await f.tokens.verify(raw)
    await f.tokens.verify(page)
    await f.tokens.revokeUser(f.user.id)
    await f.tokens.verify(raw)
    await f.tokens.verify(page)
    expect(f.emu.requestCount('/debug_token')).toBe(4)
    expect(f.events).toContainEqual({ type: 'revoke', userId: f.user.id })
  })
})

describe('Graph outages', () => {
  it('answers graph_unavailable (503, Retry-After) when Graph fails, never invalid_token', async () => {
    f = await createFixture()
    f.emu.setFaults({ status: 500 })
    const error = (await rejection(() => f.tokens.verify(userToken()))) as TokenError
    expect(error.code).toBe('graph_unavailable')
    expect(error.toResponse().status).toBe(503)
    expect(error.headers['Retry-After']).toMatch(/^\d+$/)
    expect(error.headers['WWW-Authenticate']).toBeUndefined()
  })

  it('answers graph_unavailable when Graph hangs past the timeout', async () => {
    f = await createFixture({ timeoutMs: 200, retries: 0 })
    f.emu.setFaults({ hang: true })
    const error = (await rejection(() => f.tokens.verify(userToken()))) as TokenError
    expect(error.code).toBe('graph_unavailable')
    expect(error.message).toMatch(/timed out/)
  })

  it('keeps accepting a recently verified token during an outage, and says so', async () => {
    f = await createFixture({ cacheTtlSeconds: 60, staleOnOutageSeconds: 600 })
    const raw = userToken()
    await f.tokens.verify(raw)
    f.emu.advanceTime(120)
    f.emu.setFaults({ status: 503 })
    const token = await f.tokens.verify(raw)
    expect(token.type).toBe('user')
    expect(f.events.filter((e) => e.type === 'stale_accept')).toHaveLength(1)
    f.emu.advanceTime(600)
    expect(((await rejection(() => f.tokens.verify(raw))) as TokenError).code).toBe('graph_unavailable')
    f.emu.setFaults(null)
    expect((await f.tokens.verify(raw)).type).toBe('user')
  })

  it('retries transient and throttle errors, never auth errors', async () => {
    f = await createFixture({ retries: { retries: 2, baseDelayMs: 1, maxDelayMs: 2 } })
    for (const errorCode of [1, 2, 4]) {
      f.emu.resetCounts()
      f.emu.setFaults({ errorCode })
      const error = (await rejection(() => f.tokens.verify(userToken()))) as TokenError
      expect(error.code).toBe('graph_unavailable')
      expect(f.emu.requestCount('/debug_token')).toBe(3)
    }
    f.emu.setFaults(null)
    f.emu.resetCounts()
    const dead = userToken()
    f.emu.invalidateToken(dead, 'logged_out')
    const graphError = await rejection(() => f.tokens.graph.get('/me', { token: dead }))
    expect(graphError).toBeInstanceOf(GraphApiError)
    expect((graphError as GraphApiError).category).toBe('auth')
    expect((graphError as GraphApiError).code).toBe(190)
    expect(f.emu.requestCount('/me')).toBe(1)
  })

  it('recovers on the first call after the faults stop', async () => {
    f = await createFixture({ retries: 0 })
    f.emu.setFaults({ status: 502 })
    const raw = userToken()
    await rejection(() => f.tokens.verify(raw))
    f.emu.setFaults(null)
    expect((await f.tokens.verify(raw)).type).toBe('user')
  })
})

describe('rate-limit usage', () => {
  it('reads X-App-Usage into tokens.usage', async () => {
    f = await createFixture({}, { callBudgetPerHour: 100 })
    await f.tokens.verify(userToken())
    const usage = f.tokens.usage
    expect(usage.app?.callCount).toBeGreaterThan(0)
    expect(usage.updatedAt).toBe(f.emu.now() * 1000)
  })

  it('stops spending the budget on new tokens near the limit, while known tokens keep working', async () => {
    f = await createFixture({ usageLimitPercent: 90 })
    const known = userToken()
    await f.tokens.verify(known)
    f.emu.setUsage(f.app.id, { callCount: 95 })
    await f.tokens.verify(userToken()) // this call reads the 95 %
    const before = f.emu.requestCount('/debug_token')
    const error = (await rejection(() => f.tokens.verify(userToken()))) as TokenError
    expect(error.code).toBe('graph_unavailable')
    expect(f.emu.requestCount('/debug_token')).toBe(before)
    expect((await f.tokens.verify(known)).type).toBe('user')
  })
})

describe('no raw token leaks', () => {
  it('keeps raw tokens out of errors and events', async () => {
    f = await createFixture({ retries: 0 })
    const raws = [userToken(), f.emu.issueUserToken({ appId: f.otherApp.id, userId: f.user.id })]
    const seen: string[] = []
    await f.tokens.verify(raws[0]!)
    seen.push(String(await rejection(() => f.tokens.verify(raws[1]!))))
    f.emu.setFaults({ status: 500 })
    const down = (await rejection(() => f.tokens.verify(userToken()))) as Error
    seen.push(String(down), String(down.stack), String((down.cause as Error | undefined)?.message))
    f.emu.setFaults(null)
    const dead = userToken()
    f.emu.invalidateToken(dead, 'logged_out')
    raws.push(dead)
    const graphError = (await rejection(() => f.tokens.graph.get('/me', { token: dead }))) as Error
    seen.push(graphError.message, String(graphError.stack))
    seen.push(JSON.stringify(f.events))
    const text = seen.join('\n')
    for (const raw of [...raws, f.app.secret]) expect(text).not.toContain(raw)
  })
})

describe('business use case usage', () => {
  it("reads a Page's X-Business-Use-Case-Usage, and a busy Page does not stop verification", async () => {
    f = await createFixture({ usageLimitPercent: 90 })
    const page = f.pages[0]!
    const pageToken = f.emu.issuePageToken({ appId: f.app.id, userId: f.user.id, pageId: page.id, lifetime: 'long' })
    f.emu.setPageUsage(page.id, { callCount: 95 })
    await f.tokens.graph.get(`/${page.id}`, { token: pageToken, params: { fields: 'name' } })
    expect(f.tokens.usage.businessUseCase[page.id]?.[0]).toMatchObject({
      type: 'pages',
      estimatedTimeToRegainAccess: 0,
    })
    expect(f.tokens.usage.businessUseCase[page.id]?.[0]?.callCount).toBeGreaterThanOrEqual(95)
    expect((await f.tokens.verify(userToken())).type).toBe('user')
    f.emu.setPageUsage(page.id, { callCount: 100 })
    const throttled = (await rejection(() => f.tokens.graph.get(`/${page.id}`, { token: pageToken }))) as GraphApiError
    expect(throttled.code).toBe(80001)
    expect(throttled.category).toBe('throttle')
    expect(f.tokens.usage.businessUseCase[page.id]?.[0]?.estimatedTimeToRegainAccess).toBe(60)
  })
})

describe('memory', () => {
  it('shares one frozen copy of identical scope lists between cached verifications', async () => {
    f = await createFixture()
    const [a, b] = await Promise.all([f.tokens.verify(userToken()), f.tokens.verify(userToken())])
    expect(a!.value).not.toBe(b!.value)
    expect(a!.scopes).toBe(b!.scopes)
    expect(a!.granularScopes).toBe(b!.granularScopes)
    expect(Object.isFrozen(a!.scopes)).toBe(true)
    expect(() => (a!.scopes as string[]).push('admin')).toThrow(TypeError)
  })
})
