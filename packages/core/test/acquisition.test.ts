import { afterEach, describe, expect, it } from 'vitest'
import {
  createTokens,
  GraphApiError,
  LruVerificationCache,
  MemoryStore,
  PageToken,
  SystemUserToken,
  type TokenError,
  UserToken,
} from '../src/index.js'
import { createFixture, type Fixture, rejection } from './fixture.js'

const REDIRECT = 'http://localhost:3000/callback'
/** The tasks `/me/accounts` lists on every Page: the emulator gives each Page admin all of them. */
const PAGE_TASKS = ['ADVERTISE', 'ANALYZE', 'CREATE_CONTENT', 'MESSAGING', 'MODERATE', 'MANAGE']
let f: Fixture
afterEach(async () => {
  await f?.close()
})

/** Goes through the emulator's consent page as the given user and returns the login code. */
async function loginCode(scopes: string[], userId: string): Promise<string> {
  const dialog = new URL('/v25.0/dialog/oauth', f.emu.url)
  dialog.search = new URLSearchParams({
    client_id: f.app.id,
    redirect_uri: REDIRECT,
    state: 'xyz',
    scope: scopes.join(','),
    response_type: 'code',
  }).toString()
  const html = await (await fetch(dialog)).text()
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1]
  expect(action).toBeDefined()
  const form = new URLSearchParams()
  for (const [, name, value] of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    form.set(name!, value!.replaceAll('&amp;', '&'))
  }
  form.set('user_id', userId)
  form.set('decision', 'allow')
  for (const scope of scopes) form.append('grant', scope)
  const answer = await fetch(new URL(action!.replaceAll('&amp;', '&'), f.emu.url), {
    method: 'POST',
    body: form,
    redirect: 'manual',
  })
  expect(answer.status).toBe(302)
  const location = new URL(answer.headers.get('location')!)
  expect(location.searchParams.get('state')).toBe('xyz')
  return location.searchParams.get('code')!
}

describe('acquisition', () => {
  it('exchanges a login code for a verified short-lived user token, once', async () => {
    f = await createFixture()
    const code = await loginCode(['public_profile', 'pages_show_list'], f.user.id)
    const token = await f.tokens.exchangeCode({ code, redirectUri: REDIRECT })
    expect(token).toBeInstanceOf(UserToken)
    expect(token.userId).toBe(f.user.id)
    expect(token.lifetime).toBe('short')
    expect(token.hasScope('pages_show_list')).toBe(true)
    const reused = await rejection(() => f.tokens.exchangeCode({ code, redirectUri: REDIRECT }))
    expect(reused).toBeInstanceOf(GraphApiError)
    expect((reused as GraphApiError).code).toBe(100)
    expect((reused as GraphApiError).subcode).toBe(36009)
  })

  it('refuses a code with another redirect_uri', async () => {
    f = await createFixture()
    const code = await loginCode(['public_profile'], f.user.id)
    const error = (await rejection(() =>
      f.tokens.exchangeCode({ code, redirectUri: 'http://localhost:3000/other' }),
    )) as GraphApiError
    expect(error.code).toBe(100)
    expect(error.message).toMatch(/redirect_uri/)
  })

  it('exchanges for a long-lived token, stores it, and knows it without another debug_token', async () => {
    const store = new MemoryStore()
    f = await createFixture({ store })
    const short = await f.tokens.verify(
      f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id, scopes: ['public_profile'], lifetime: 'short' }),
      { type: 'user' },
    )
    const long = await f.tokens.exchangeForLongLived(short)
    expect(long.lifetime).toBe('long')
    expect(long.value).not.toBe(short.value)
    expect(long.expiresAt!.getTime() - f.emu.now() * 1000).toBeGreaterThan(50 * 86_400_000)
    expect((await store.findUserToken(f.app.id, f.user.id))?.value).toBe(long.value)
    const calls = f.emu.requestCount('/debug_token')
    expect((await f.tokens.verify(long.value)).type).toBe('user')
    expect(f.emu.requestCount('/debug_token')).toBe(calls)
    expect(f.events).toContainEqual(expect.objectContaining({ type: 'store_write', kind: 'user' }))
  })

  it('refuses to exchange an expired token', async () => {
    f = await createFixture()
    const short = await f.tokens.verify(
      f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id, lifetime: 'short' }),
      { type: 'user' },
    )
    f.emu.advanceTime(3 * 3600)
    const error = (await rejection(() => f.tokens.exchangeForLongLived(short))) as GraphApiError
    expect(error).toBeInstanceOf(GraphApiError)
    expect(error.category).toBe('auth')
  })

  it('fetches every Page across several result pages, stores them, then reads the store', async () => {
    const store = new MemoryStore()
    f = await createFixture({ store })
    const extra = Array.from({ length: 118 }, (_, i) => f.emu.createPage({ name: `Extra ${i}`, admins: [f.user.id] }))
    const user = await f.tokens.verify(
      f.emu.issueUserToken({
        appId: f.app.id,
        userId: f.user.id,
        scopes: ['pages_show_list', 'public_profile'],
        lifetime: 'long',
      }),
      { type: 'user' },
    )
    const pages = await f.tokens.pageTokens(user)
    expect(pages).toHaveLength(120)
    expect(f.emu.requestCount('/me/accounts')).toBeGreaterThanOrEqual(2)
    expect(new Set(pages.map((p) => p.pageId))).toEqual(new Set([...f.pages, ...extra].map((p) => p.id)))
    for (const page of pages) {
      expect(page).toBeInstanceOf(PageToken)
      expect(page.userId).toBe(user.userId)
      expect(page.lifetime).toBe('never')
      expect(page.tasks).toEqual(PAGE_TASKS)
    }
    const verified = await f.tokens.verify(pages[0]!.value, { type: 'page' })
    expect(verified.pageId).toBe(pages[0]!.pageId)
    const calls = f.emu.requestCount('/me/accounts')
    const fromStore = await f.tokens.pageTokens(user)
    expect(fromStore).toHaveLength(120)
    for (const page of fromStore) expect(page.tasks).toEqual(PAGE_TASKS)
    expect(f.emu.requestCount('/me/accounts')).toBe(calls)
    expect(await f.tokens.pageTokens(user, { refresh: true })).toHaveLength(120)
    expect(f.emu.requestCount('/me/accounts')).toBeGreaterThan(calls)
  })

  it('gives Page tokens of a short-lived user token the same expiry', async () => {
    f = await createFixture()
    const user = await f.tokens.verify(
      f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id, scopes: ['pages_show_list'], lifetime: 'short' }),
      { type: 'user' },
    )
    const pages = await f.tokens.pageTokens(user)
    expect(pages).toHaveLength(2)
    for (const page of pages) expect(page.expiresAt).toEqual(user.expiresAt)
  })

  it('fetches one Page token, and refuses a Page the user has no role on', async () => {
    f = await createFixture()
    const user = await f.tokens.verify(
      f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id, scopes: ['pages_show_list'], lifetime: 'long' }),
      { type: 'user' },
    )
    const page = await f.tokens.pageToken(user, f.pages[1]!.id)
    expect(page.pageId).toBe(f.pages[1]!.id)
    expect((await f.tokens.verify(page.value, { type: 'page' })).pageId).toBe(f.pages[1]!.id)
    const stranger = f.emu.createUser({ name: 'Stranger' })
    const theirs = f.emu.createPage({ name: 'Theirs', admins: [stranger.id] })
    const error = (await rejection(() => f.tokens.pageToken(user, theirs.id))) as GraphApiError
    expect(error).toBeInstanceOf(GraphApiError)
    expect(error.category).toBe('permission')
  })
})

describe('callbacks', () => {
  it('deauthorize revokes the stored and cached tokens of the user, once', async () => {
    const store = new MemoryStore()
    f = await createFixture({ store })
    const short = await f.tokens.verify(
      f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id, scopes: ['pages_show_list'], lifetime: 'short' }),
      { type: 'user' },
    )
    const long = await f.tokens.exchangeForLongLived(short)
    await f.tokens.pageTokens(long)
    expect(await store.listPageTokens(f.app.id, f.user.id)).toHaveLength(2)
    const signed = f.emu.signedRequest(f.app.id, { user_id: f.user.id })
    const payload = await f.tokens.deauthorize(signed)
    expect(payload.user_id).toBe(f.user.id)
    expect(await store.findUserToken(f.app.id, f.user.id)).toBeUndefined()
    expect(await store.listPageTokens(f.app.id, f.user.id)).toEqual([])
    const replay = (await rejection(() => f.tokens.deauthorize(signed))) as TokenError
    expect(replay.code).toBe('invalid_request')
    expect(replay.message).toMatch(/already used/)
    const forged = (await rejection(() =>
      f.tokens.deauthorize(f.emu.signedRequest(f.otherApp.id, { user_id: f.user.id })),
    )) as TokenError
    expect(forged.code).toBe('invalid_request')
  })

  it('handles a signed_request once across cores sharing a cache; a failed handling can be retried by any', async () => {
    const cache = new LruVerificationCache()
    f = await createFixture({ cache })
    const other = createTokens({ ...f.emu.coreOptions(f.app), cache })
    const signed = f.emu.signedRequest(f.app.id, { user_id: f.user.id })
    expect((await f.tokens.deauthorize(signed)).user_id).toBe(f.user.id)
    const replay = (await rejection(() => other.deauthorize(signed))) as TokenError
    expect(replay.code).toBe('invalid_request')
    expect(replay.message).toMatch(/already used/)

    f.emu.advanceTime(1) // another signed_request: a later issued_at
    const deletion = f.emu.signedRequest(f.app.id, { user_id: f.user.id })
    const options = (onDelete: () => void) => ({ statusUrl: 'https://example.com/deletion', onDelete })
    const failure = await rejection(() =>
      f.tokens.dataDeletion(
        deletion,
        options(() => {
          throw new Error('database down')
        }),
      ),
    )
    expect((failure as Error).message).toBe('database down')
    const deleted: string[] = []
    await other.dataDeletion(
      deletion,
      options(() => void deleted.push(f.user.id)),
    )
    expect(deleted).toEqual([f.user.id])
    expect(
      (
        (await rejection(() =>
          f.tokens.dataDeletion(
            deletion,
            options(() => {}),
          ),
        )) as TokenError
      ).code,
    ).toBe('invalid_request')
    await other.close()
  })

  it('data deletion answers { url, confirmation_code } after onDelete', async () => {
    f = await createFixture()
    const deleted: string[] = []
    const answer = await f.tokens.dataDeletion(f.emu.signedRequest(f.app.id, { user_id: f.user.id }), {
      statusUrl: 'https://example.com/deletion',
      onDelete: (userId) => {
        deleted.push(userId)
      },
    })
    expect(deleted).toEqual([f.user.id])
    expect(answer.confirmation_code).toMatch(/^[A-Za-z0-9]+$/)
    expect(answer.url).toBe(`https://example.com/deletion?id=${answer.confirmation_code}`)
  })
})

describe('system user tokens', () => {
  it('refreshes a system user token for another 60 days and stores it', async () => {
    const store = new MemoryStore()
    f = await createFixture({ store })
    const systemUser = await f.tokens.verify(
      f.emu.issueSystemUserToken({ appId: f.app.id, userId: f.user.id, scopes: ['ads_read'], expiresIn: 3600 }),
      { type: 'system_user' },
    )
    const refreshed = await f.tokens.exchangeForLongLived(systemUser)
    expect(refreshed).toBeInstanceOf(SystemUserToken)
    expect(refreshed.value).not.toBe(systemUser.value)
    expect(refreshed.expiresAt!.getTime() - f.emu.now() * 1000).toBe(60 * 86_400_000)
    expect((await f.tokens.verify(refreshed.value, { type: 'system_user' })).userId).toBe(f.user.id)
    expect((await store.findUserToken(f.app.id, f.user.id))?.kind).toBe('system_user')
  })
})
