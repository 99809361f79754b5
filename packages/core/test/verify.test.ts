import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest'
import {
  type AccessToken,
  AppToken,
  ClientToken,
  createTokens,
  PageToken,
  SystemUserToken,
  TokenError,
  type TokenOfType,
  UserToken,
} from '../src/index.js'
import { createFixture, type Fixture, rejection, START } from './fixture.js'

let f: Fixture
beforeEach(async () => {
  f = await createFixture()
})
afterEach(async () => {
  await f.close()
})

async function invalid(raw: string): Promise<TokenError> {
  const error = await rejection(() => f.tokens.verify(raw))
  expect(error).toBeInstanceOf(TokenError)
  return error as TokenError
}

describe('verify: every token type', () => {
  it('verifies a long-lived user token to a UserToken with Graph metadata', async () => {
    const raw = f.emu.issueUserToken({
      appId: f.app.id,
      userId: f.user.id,
      scopes: ['public_profile', 'email'],
      lifetime: 'long',
    })
    const token = await f.tokens.verify(raw)
    expect(token).toBeInstanceOf(UserToken)
    expect(token).toMatchObject({ type: 'user', appId: f.app.id, userId: f.user.id, lifetime: 'long' })
    expect([...token.scopes].sort()).toEqual(['email', 'public_profile'])
    expect(token.value).toBe(raw)
    expect(token.issuedAt?.getTime()).toBe(START * 1000)
    expect(token.expiresAt!.getTime()).toBeGreaterThan(START * 1000 + 50 * 86_400_000)
    expect(token.dataAccessExpiresAt).toBeInstanceOf(Date)
  })

  it('verifies a short-lived user token: no issued_at, a short lifetime', async () => {
    const raw = f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id, lifetime: 'short' })
    const token = await f.tokens.verify(raw, { type: 'user' })
    expect(token.lifetime).toBe('short')
    expect(token.issuedAt).toBeNull()
    expect(token.expiresAt!.getTime()).toBeLessThan(START * 1000 + 3 * 3_600_000)
  })

  it('verifies a Page token to a PageToken with pageId and the admin', async () => {
    const page = f.pages[0]!
    const raw = f.emu.issuePageToken({ appId: f.app.id, userId: f.user.id, pageId: page.id, lifetime: 'long' })
    const token = await f.tokens.verify(raw, { type: 'page' })
    expect(token).toBeInstanceOf(PageToken)
    expectTypeOf(token).toEqualTypeOf<PageToken>()
    expect(token.pageId).toBe(page.id)
    expect(token.userId).toBe(f.user.id)
    expect(token.expiresAt).toBeNull()
    expect(token.lifetime).toBe('never')
  })

  it('verifies a system user token', async () => {
    const raw = f.emu.issueSystemUserToken({ appId: f.app.id, userId: f.user.id, scopes: ['ads_read'], expiresIn: 0 })
    const token = await f.tokens.verify(raw, { type: 'system_user', scopes: ['ads_read'] })
    expect(token).toBeInstanceOf(SystemUserToken)
    expect(token.userId).toBe(f.user.id)
    expect(token.lifetime).toBe('never')
  })

  it('recognises app_id|app_secret and app_id|client_token locally, without Graph', async () => {
    const before = f.emu.requestCount()
    const app = await f.tokens.verify(`${f.app.id}|${f.app.secret}`)
    expect(app).toBeInstanceOf(AppToken)
    const client = await f.tokens.verify(`${f.app.id}|${f.app.clientToken}`, { type: 'client' })
    expect(client).toBeInstanceOf(ClientToken)
    expect(f.emu.requestCount()).toBe(before)
    expect(f.tokens.appToken().value).toBe(`${f.app.id}|${f.app.secret}`)
    expect(f.tokens.clientToken().value).toBe(`${f.app.id}|${f.app.clientToken}`)
  })

  it('verifies an app token from client_credentials through debug_token', async () => {
    const token = await f.tokens.verify(f.emu.appToken(f.app.id), { type: 'app' })
    expect(token).toBeInstanceOf(AppToken)
    expect(f.emu.requestCount('/debug_token')).toBe(1)
  })
})

describe('verify: rejections', () => {
  it('refuses an expired token once the clock passes its expiry', async () => {
    const raw = f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id, lifetime: 'short' })
    await f.tokens.verify(raw)
    f.emu.advanceTime(3 * 3600)
    const error = await invalid(raw)
    expect(error.toResponse()).toEqual({
      status: 401,
      headers: {
        'Cache-Control': 'no-store',
        'WWW-Authenticate':
          'Bearer realm="api", error="invalid_token", error_description="The access token has expired"',
      },
      body: { error: 'invalid_token', error_description: 'The access token has expired', reason: 'expired' },
    })
  })

  it('maps invalidation subcodes to reasons', async () => {
    const cases = [
      ['password_changed', 'password_changed'],
      ['logged_out', 'invalidated'],
      ['app_removed', 'app_not_installed'],
    ] as const
    for (const [how, reason] of cases) {
      const raw = f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id, lifetime: 'long' })
      f.emu.invalidateToken(raw, how)
      const error = await invalid(raw)
      expect(error.code).toBe('invalid_token')
      expect(error.reason).toBe(reason)
      expect(error.status).toBe(401)
    }
  })

  it('refuses garbage as malformed, short garbage without a Graph call', async () => {
    expect((await invalid('EAAgarbagegarbagegarbagegarbage')).reason).toBe('malformed')
    expect(f.emu.requestCount('/debug_token')).toBe(1)
    expect((await invalid('abc')).reason).toBe('malformed')
    expect((await invalid('12|a|b')).reason).toBe('malformed')
    expect(f.emu.requestCount('/debug_token')).toBe(1)
    const bad = await rejection(() => f.tokens.verify('EAA bad token'))
    expect((bad as TokenError).code).toBe('invalid_request')
  })

  it("refuses another app's tokens: the substitution hole", async () => {
    const foreign = f.emu.issueUserToken({ appId: f.otherApp.id, userId: f.user.id, lifetime: 'long' })
    const error = await invalid(foreign)
    expect(error.reason).toBe('wrong_app')
    expect(error.message).toBe('The access token was issued to another app')
    // another app's app tokens are refused locally
    expect((await invalid(`${f.otherApp.id}|${f.otherApp.secret}`)).reason).toBe('wrong_app')
    expect((await invalid(f.emu.appToken(f.otherApp.id))).reason).toBe('wrong_app')
    expect(f.emu.requestCount('/debug_token')).toBe(1)
  })

  it('accepts the tokens of acceptAppIds', async () => {
    const tokens = createTokens({
      ...f.emu.coreOptions(f.app),
      acceptAppIds: [f.otherApp.id],
    })
    const foreign = f.emu.issueUserToken({ appId: f.otherApp.id, userId: f.user.id, lifetime: 'long' })
    expect((await tokens.verify(foreign)).appId).toBe(f.otherApp.id)
    await tokens.close()
  })

  it('refuses the wrong type and missing scopes as insufficient_scope', async () => {
    const raw = f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id, scopes: ['public_profile'] })
    const wrongType = (await rejection(() => f.tokens.verify(raw, { type: ['page', 'system_user'] }))) as TokenError
    expect(wrongType.code).toBe('insufficient_scope')
    expect(wrongType.status).toBe(403)
    expect(wrongType.message).toBe('A page or system_user token is required; this is a user token')
    const noScope = (await rejection(() =>
      f.tokens.verify(raw, { type: 'user', scopes: ['public_profile', 'pages_manage_posts'] }),
    )) as TokenError
    expect(noScope.code).toBe('insufficient_scope')
    expect(noScope.headers['WWW-Authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="The access token lacks the scope pages_manage_posts", scope="public_profile pages_manage_posts"',
    )
  })

  it('honours granular target ids', async () => {
    const mine = f.pages[0]!
    const other = f.pages[1]!
    const stranger = f.emu.createUser({ name: 'Stranger' })
    const theirs = f.emu.createPage({ name: 'Not yours', admins: [stranger.id] })
    const raw = f.emu.issueUserToken({
      appId: f.app.id,
      userId: f.user.id,
      scopes: ['pages_show_list', 'public_profile'],
      lifetime: 'long',
    })
    const token = await f.tokens.verify(raw, { type: 'user' })
    expect(token.hasScope('pages_show_list', mine.id)).toBe(true)
    expect(token.hasScope('pages_show_list', other.id)).toBe(true)
    expect(token.hasScope('pages_show_list', theirs.id)).toBe(false)
    expect(token.hasScope('public_profile', theirs.id)).toBe(true)
  })
})

describe('verify: types', () => {
  it('narrows the result to the required type', () => {
    // Functions, not calls: only the types are checked here.
    expectTypeOf(() => f.tokens.verify('x', { type: 'page' })).returns.resolves.toEqualTypeOf<PageToken>()
    expectTypeOf(() => f.tokens.verify('x', { type: ['user', 'system_user'] })).returns.resolves.toEqualTypeOf<
      UserToken | SystemUserToken
    >()
    expectTypeOf(() => f.tokens.verify('x')).returns.resolves.toEqualTypeOf<AccessToken>()
    expectTypeOf<TokenOfType<'app'>>().toEqualTypeOf<AppToken>()
  })
})

describe('createTokens options', () => {
  it('throws TypeError naming the bad option', () => {
    const good = { appId: '123', appSecret: 'abcdef0123456789' }
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ appSecret: good.appSecret }, /'appId'/],
      [{ appId: 'abc', appSecret: good.appSecret }, /'appId'/],
      [{ appId: '123' }, /'appSecret'/],
      [{ ...good, graphUrl: 'graph.facebook.com' }, /'graphUrl'/],
      [{ ...good, graphVersion: '25' }, /'graphVersion'/],
      [{ ...good, acceptAppIds: 'x' }, /'acceptAppIds'/],
      [{ ...good, timeoutMs: -1 }, /'timeoutMs'/],
      [{ ...good, retries: 99 }, /'retries'/],
      [{ ...good, clock: 5 }, /'clock'/],
      [{ ...good, cacheTtlSeconds: 'x' }, /'cacheTtlSeconds'/],
    ]
    for (const [options, message] of cases) {
      expect(() => createTokens(options as never)).toThrow(TypeError)
      expect(() => createTokens(options as never)).toThrow(message)
    }
    expect(() => createTokens(good).clientToken()).toThrow(/clientToken/)
  })
})
