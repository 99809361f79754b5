import { type CachedVerification, LruVerificationCache, type Tokens, type VerificationCache } from '@tokens/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADAPTERS } from './adapters.js'
import { type Answer, World } from './world.js'

/**
 * Two apps of one company, one cache instance between them (one process, or one Redis): app A and app
 * B each verify tokens for themselves. A verdict of one app must never answer for the other: a token
 * A verified is not B's, and a token B refused is still A's.
 */
function body(answer: Answer): Record<string, unknown> {
  return JSON.parse(answer.text) as Record<string, unknown>
}

describe.each(ADAPTERS)('%s: a verdict of one app never answers for another', (adapter) => {
  let w: World
  let a: string
  let b: string

  beforeAll(async () => {
    w = await World.start()
    const shared = new LruVerificationCache({ clock: () => w.emu.now() * 1000 })
    const coreA = w.core({ cache: shared })
    const coreB = w.core({
      cache: shared,
      appId: w.otherApp.id,
      appSecret: w.otherApp.secret,
      clientToken: w.otherApp.clientToken,
    })
    a = await w.serve(adapter, coreA)
    b = await w.serve(adapter, coreB)
  })
  afterAll(async () => {
    await w.close()
  })

  it("app B refuses app A's user and Page tokens right after A verified and cached them, asking Graph itself", async () => {
    for (const raw of [w.userToken(), w.pageToken()]) {
      expect((await w.get(a, '/any', raw)).status).toBe(200) // A verified it: now in the shared cache
      const calls = w.emu.requestCount('/debug_token')
      expect((await w.get(a, '/any', raw)).status).toBe(200)
      expect(w.emu.requestCount('/debug_token')).toBe(calls) // A answers from the cache

      const answer = await w.get(b, '/any', raw)
      expect(answer.status).toBe(401)
      expect(body(answer)).toMatchObject({ error: 'invalid_token', reason: 'wrong_app' })
      expect(w.emu.requestCount('/debug_token')).toBe(calls + 1) // B's own debug_token call, not A's verdict
      // and again, now that B's own rejection is cached
      expect((await w.get(b, '/any', raw)).status).toBe(401)
    }
  })

  it("B's rejection of A's token (wrong_app for B) does not make A refuse it", async () => {
    const raw = w.userToken()
    const first = await w.get(b, '/any', raw) // B sees it first and caches its rejection
    expect(first.status).toBe(401)
    expect(body(first)).toMatchObject({ reason: 'wrong_app' })
    for (let round = 0; round < 2; round++) {
      const answer = await w.get(a, '/user', raw)
      expect(answer.status).toBe(200)
      expect(body(answer)).toEqual({ type: 'user', appId: w.app.id, userId: w.user.id })
    }
  })
})

/**
 * A cache that answers every key with a valid verification of a token of `appId` (a poisoned or
 * foreign entry), at once like the in-process LRU or, `remote`, as a promise like Redis.
 */
class ForgedCache implements VerificationCache {
  readonly reads: string[] = []
  constructor(
    private readonly appId: string,
    private readonly now: () => number,
    private readonly remote: boolean,
  ) {}
  get(key: string): CachedVerification | Promise<CachedVerification> {
    this.reads.push(key)
    return this.remote ? Promise.resolve(this.entry()) : this.entry()
  }
  entry(): CachedVerification {
    const now = this.now()
    return {
      outcome: 'valid',
      info: {
        type: 'user',
        appId: this.appId,
        userId: '1000000000001',
        scopes: ['public_profile'],
        granularScopes: [],
        issuedAt: now - 60_000,
        expiresAt: null,
        dataAccessExpiresAt: null,
      },
      verifiedAt: now - 1000,
      freshUntil: now + 3_600_000,
      keepUntil: now + 3_600_000,
    }
  }
  set(): void {}
  deleteUser(): void {}
}

describe.each(
  ADAPTERS.flatMap((adapter) => [
    { adapter, remote: false },
    { adapter, remote: true },
  ]),
)(
  "$adapter: a cache entry of another app's token under our key is refused (remote cache: $remote)",
  ({ adapter, remote }) => {
    let w: World
    let url: string
    let cache: ForgedCache
    let core: Tokens

    beforeAll(async () => {
      w = await World.start()
      cache = new ForgedCache(w.otherApp.id, () => w.emu.now() * 1000, remote)
      core = w.core({ cache })
      url = await w.serve(adapter, core)
    })
    afterAll(async () => {
      await w.close()
    })

    it('401 wrong_app, with zero Graph calls, whatever token it is asked about', async () => {
      const before = w.emu.requestCount()
      for (const raw of [w.userToken(), `EAAB${'x'.repeat(60)}`]) {
        const answer = await w.get(url, '/any', raw)
        expect(answer.status).toBe(401)
        expect(body(answer)).toMatchObject({ error: 'invalid_token', reason: 'wrong_app' })
      }
      expect(cache.reads.length).toBeGreaterThanOrEqual(2) // the forged entry was read…
      expect(w.emu.requestCount()).toBe(before) // …and refused on sight, without asking Graph
    })
  },
)
