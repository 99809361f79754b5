import { afterEach, describe, expect, it } from 'vitest'
import type { TokenError, TokensEvent } from '../src/index.js'
import { createFixture, type Fixture, rejection, START } from './fixture.js'

let f: Fixture
afterEach(async () => {
  await f?.close()
})

/** The emulator grants data access for 90 days from issue (`data_access_expires_at`), a fixed span. */
const DATA_ACCESS_SECONDS = 90 * 86_400

function cachedFlags(): boolean[] {
  return f.events.filter((e): e is Extract<TokensEvent, { type: 'verify' }> => e.type === 'verify').map((e) => e.cached)
}

describe('data_access_expires_at bounds the cache', () => {
  const tokens = {
    'a Page token that never expires': (fx: Fixture) =>
      fx.emu.issuePageToken({ appId: fx.app.id, userId: fx.user.id, pageId: fx.pages[0]!.id, lifetime: 'long' }),
    'a system user token that expires after its data access': (fx: Fixture) =>
      fx.emu.issueSystemUserToken({ appId: fx.app.id, userId: fx.user.id, expiresIn: 120 * 86_400 }),
  }

  for (const [name, issue] of Object.entries(tokens)) {
    it(`stops serving ${name} from the cache once its data access ends, inside cacheTtlSeconds`, async () => {
      f = await createFixture({ cacheTtlSeconds: 300 })
      const raw = issue(f)
      // Verified for the first time 60 s before its data access ends: well inside the 300 s cache lifetime.
      f.emu.advanceTime(DATA_ACCESS_SECONDS - 60)
      const token = await f.tokens.verify(raw)
      expect(token.dataAccessExpiresAt?.getTime()).toBe((START + DATA_ACCESS_SECONDS) * 1000)
      expect(token.expiresAt === null || token.expiresAt.getTime() > token.dataAccessExpiresAt!.getTime()).toBe(true)

      f.emu.advanceTime(59)
      expect((await f.tokens.verify(raw)).type).toBe(token.type)
      expect(f.emu.requestCount('/debug_token')).toBe(1)

      f.emu.advanceTime(2)
      const error = (await rejection(() => f.tokens.verify(raw))) as TokenError
      expect(error.code).toBe('invalid_token')
      expect(error.reason).toBe('expired')
      expect(f.emu.requestCount('/debug_token')).toBe(2)
      expect(cachedFlags()).toEqual([false, true, false])

      // That refusal is remembered like any other: no Graph call per request for it.
      for (let i = 0; i < 5; i++)
        expect(((await rejection(() => f.tokens.verify(raw))) as TokenError).reason).toBe('expired')
      expect(f.emu.requestCount('/debug_token')).toBe(2)
      expect(cachedFlags()).toEqual([false, true, false, true, true, true, true, true])
    })
  }
})
