import { afterEach, describe, expect, it } from 'vitest'
import { createTokens, type TokenError } from '../src/index.js'
import { createFixture, type Fixture, rejection } from './fixture.js'

let f: Fixture
afterEach(async () => {
  await f?.close()
})

function userToken(): string {
  return f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id, lifetime: 'long' })
}

function garbage(i: number): string {
  return `EAA${String(i).padStart(8, '0')}GarbageGarbageGarbage`
}

describe('maxVerificationsPerMinute', () => {
  it('bounds the debug_token calls a flood of unknown tokens costs; cached tokens keep working', async () => {
    f = await createFixture({ maxVerificationsPerMinute: 50 })
    const known = userToken()
    await f.tokens.verify(known) // 1 of the 50
    const codes = new Map<string, number>()
    for (let start = 0; start < 2000; start += 200) {
      const batch = Array.from({ length: 200 }, (_, k) => rejection(() => f.tokens.verify(garbage(start + k))))
      for (const error of await Promise.all(batch)) {
        const { code } = error as TokenError
        codes.set(code, (codes.get(code) ?? 0) + 1)
      }
    }
    expect(f.emu.requestCount('/debug_token')).toBe(50)
    expect(Object.fromEntries(codes)).toEqual({ invalid_token: 49, graph_unavailable: 1951 })
    expect((await f.tokens.verify(known)).type).toBe('user')

    const refused = (await rejection(() => f.tokens.verify(userToken()))) as TokenError
    expect(refused.code).toBe('graph_unavailable')
    expect(refused.status).toBe(503)
    expect(Number(refused.headers['Retry-After'])).toBeGreaterThanOrEqual(1)
    expect(Number(refused.headers['Retry-After'])).toBeLessThanOrEqual(60)

    f.emu.advanceTime(60) // the next minute
    expect((await f.tokens.verify(userToken())).type).toBe('user')
  })

  it('a known token whose entry is stale is verified again with Graph when the minute is spent', async () => {
    f = await createFixture({ maxVerificationsPerMinute: 1 })
    const known = userToken()
    await f.tokens.verify(known)
    f.emu.advanceTime(400) // past cacheTtlSeconds, within staleOnOutageSeconds; a new minute
    await rejection(() => f.tokens.verify(garbage(1))) // spends the new minute
    const calls = f.emu.requestCount('/debug_token')
    expect((await f.tokens.verify(known)).type).toBe('user')
    expect(f.emu.requestCount('/debug_token')).toBe(calls + 1) // asked Graph, not served stale
    expect(f.events).not.toContainEqual(expect.objectContaining({ type: 'stale_accept' }))
  })

  it('a flood of new tokens does not keep a revoked token alive on its stale entry', async () => {
    f = await createFixture({ maxVerificationsPerMinute: 1 })
    const known = userToken()
    await f.tokens.verify(known)
    f.emu.invalidateToken(known, 'password_changed')
    f.emu.advanceTime(400) // past cacheTtlSeconds, within staleOnOutageSeconds; a new minute
    await rejection(() => f.tokens.verify(garbage(1))) // the flood spends the minute
    const refused = (await rejection(() => f.tokens.verify(known))) as TokenError
    expect([refused.code, refused.reason]).toEqual(['invalid_token', 'password_changed'])
    expect(f.events).not.toContainEqual(expect.objectContaining({ type: 'stale_accept' }))
  })

  it('is unlimited by default, and refuses what is not a whole number ≥ 1', async () => {
    // Deadlines long enough for a loaded machine: this is about the per-minute limit, not about time.
    f = await createFixture({ maxQueuedVerifications: 300, timeoutMs: 60_000 })
    await Promise.all(Array.from({ length: 300 }, (_, i) => rejection(() => f.tokens.verify(garbage(i)))))
    expect(f.emu.requestCount('/debug_token')).toBe(300)
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => createTokens({ appId: '1', appSecret: 'secret-secret', maxVerificationsPerMinute: bad })).toThrow(
        /maxVerificationsPerMinute/,
      )
    }
  })
})
