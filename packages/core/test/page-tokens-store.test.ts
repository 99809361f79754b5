import { afterEach, describe, expect, it } from 'vitest'
import { MemoryStore, type UserToken } from '../src/index.js'
import { createFixture, type Fixture } from './fixture.js'

let f: Fixture
afterEach(async () => {
  await f?.close()
})

async function userToken(lifetime: 'short' | 'long'): Promise<UserToken> {
  const raw = f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id, scopes: ['pages_show_list'], lifetime })
  return f.tokens.verify(raw, { type: 'user' })
}

describe('Page tokens kept in the store', () => {
  it('are handed out again while they are as good as what Graph would give', async () => {
    f = await createFixture({ store: new MemoryStore() })
    const short = await userToken('short')
    const first = await f.tokens.pageTokens(short)
    expect(first).toHaveLength(2)
    f.emu.resetCounts()
    const again = await f.tokens.pageTokens(short)
    expect(again.map((t) => t.value).sort()).toEqual(first.map((t) => t.value).sort())
    expect((await f.tokens.pageToken(short, f.pages[0]!.id)).value).toBe(
      first.find((t) => t.pageId === f.pages[0]!.id)?.value,
    )
    expect(f.emu.requestCount('/me/accounts') + f.emu.requestCount(`/${f.pages[0]!.id}`)).toBe(0)
  })

  it('are replaced after a long-lived exchange: Page tokens of the short-lived token would expire with it', async () => {
    f = await createFixture({ store: new MemoryStore() })
    const short = await userToken('short')
    const fromShort = await f.tokens.pageTokens(short)
    expect(fromShort.filter((t) => t.expiresAt === null).map((t) => t.pageId)).toEqual([])
    const long = await f.tokens.exchangeForLongLived(short)
    f.emu.resetCounts()
    const fromLong = await f.tokens.pageTokens(long)
    expect(f.emu.requestCount('/me/accounts')).toBe(1)
    for (const page of fromLong) {
      expect(fromShort.map((t) => t.value)).not.toContain(page.value)
      expect(page.lifetime).toBe('never') // a long-lived user token's Page tokens do not expire
    }
    // …and saved: the next call is served by the store.
    await f.tokens.pageTokens(long)
    expect(f.emu.requestCount('/me/accounts')).toBe(1)
  })

  it('are fetched again once expired, for the list and for one Page', async () => {
    f = await createFixture({ store: new MemoryStore() })
    const stale = await f.tokens.pageTokens(await userToken('short'))
    f.emu.advanceTime(3 * 3600) // past the short-lived tokens' expiry
    const fresh = await userToken('short')
    f.emu.resetCounts()
    const list = await f.tokens.pageTokens(fresh)
    expect(f.emu.requestCount('/me/accounts')).toBe(1)
    for (const page of list) {
      expect(stale.map((t) => t.value)).not.toContain(page.value)
      expect((await f.tokens.verify(page.value, { type: 'page' })).pageId).toBe(page.pageId)
    }

    f.emu.advanceTime(3 * 3600)
    const later = await userToken('short')
    f.emu.resetCounts()
    const one = await f.tokens.pageToken(later, f.pages[1]!.id)
    expect(f.emu.requestCount(`/${f.pages[1]!.id}`)).toBe(1)
    expect((await f.tokens.verify(one.value, { type: 'page' })).pageId).toBe(f.pages[1]!.id)
  })
})
