import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createFixture, START } from './fixture.js'

let f: Awaited<ReturnType<typeof createFixture>>
beforeEach(async () => {
  f = await createFixture()
})
afterEach(() => f.emu.close())

const debug = (input: string, access = f.emu.appToken(f.app.id)) =>
  f.get('/v25.0/debug_token', { input_token: input, access_token: access })

describe('GET /debug_token', () => {
  it('describes a long-lived user token with every field', async () => {
    const token = f.emu.issueUserToken({
      appId: f.app.id,
      userId: f.user.id,
      scopes: ['email', 'pages_show_list'],
      lifetime: 'long',
    })
    const res = await debug(token)
    expect(res.status).toBe(200)
    expect(res.json).toEqual({
      data: {
        app_id: f.app.id,
        type: 'USER',
        application: 'Test App',
        data_access_expires_at: START + 90 * 86400,
        expires_at: START + 5183944,
        is_valid: true,
        issued_at: START,
        scopes: ['email', 'pages_show_list', 'public_profile'],
        granular_scopes: [
          { scope: 'email' },
          { scope: 'pages_show_list', target_ids: f.pages.map((p) => p.id) },
          { scope: 'public_profile' },
        ],
        user_id: f.user.id,
      },
    })
  })

  it('omits issued_at on short-lived user tokens', async () => {
    const res = await debug(f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id }))
    expect(res.json.data).not.toHaveProperty('issued_at')
    expect(res.json.data?.expires_at).toBe(START + 7200)
  })

  it('describes page, app and system user tokens', async () => {
    const pageId = f.pages[1]?.id ?? ''
    const page = f.emu.issuePageToken({ appId: f.app.id, userId: f.user.id, pageId, lifetime: 'long' })
    const pageData = (await debug(page)).json.data
    expect(pageData).toMatchObject({
      type: 'PAGE',
      profile_id: pageId,
      expires_at: 0,
      is_valid: true,
      issued_at: START,
    })
    expect(pageData?.granular_scopes).toContainEqual({ scope: 'pages_show_list', target_ids: [pageId] })
    const app = (await debug(`${f.app.id}|${f.app.secret}`)).json.data
    expect(app).toMatchObject({ app_id: f.app.id, type: 'APP', is_valid: true })
    const system = f.emu.issueSystemUserToken({ appId: f.app.id, userId: f.user.id, expiresIn: 0 })
    expect((await debug(system)).json.data).toMatchObject({ type: 'SYSTEM_USER', expires_at: 0, is_valid: true })
  })

  it('accepts {app_id}|{app_secret} as the caller, and reports the real app of a foreign token', async () => {
    const other = f.emu.createApp({ name: 'Other App' })
    const foreign = f.emu.issueUserToken({ appId: other.id, userId: f.user.id })
    const res = await debug(foreign, `${f.app.id}|${f.app.secret}`)
    expect(res.json.data).toMatchObject({ app_id: other.id, application: 'Other App', is_valid: true })
  })

  it('answers garbage with is_valid:false and "Cannot parse access token", HTTP 200', async () => {
    const res = await debug('not-a-token')
    expect(res.status).toBe(200)
    expect(res.json).toEqual({
      data: {
        error: { code: 190, message: 'Invalid OAuth access token - Cannot parse access token' },
        is_valid: false,
        scopes: [],
      },
    })
  })

  it('reports expiry by clock (463) and invalidations (460, 466, 458, 492) with subcode', async () => {
    const expiring = f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id })
    expect((await debug(expiring)).json.data?.is_valid).toBe(true)
    f.emu.advanceTime(7200)
    const expired = (await debug(expiring)).json.data
    expect(expired).toMatchObject({ is_valid: false, error: { code: 190, subcode: 463 } })
    expect(expired?.error?.message).toMatch(/^Error validating access token: Session has expired on \w+day, /)
    const cases = [
      ['password_changed', 460],
      ['logged_out', 466],
      ['app_removed', 458],
      ['page_role_lost', 492],
    ] as const
    for (const [reason, subcode] of cases) {
      const token = f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id, lifetime: 'long' })
      f.emu.invalidateToken(token, reason)
      const data = (await debug(token)).json.data
      expect(data).toMatchObject({ is_valid: false, app_id: f.app.id, error: { code: 190, subcode } })
    }
  })

  it('refuses a caller that is not an app token, a missing input_token, and non-GET methods', async () => {
    const user = f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id })
    const res = await f.call('GET', '/debug_token', { input_token: user }, { token: user })
    expect(res.status).toBe(400)
    expect(res.json.error).toMatchObject({
      code: 100,
      type: 'OAuthException',
      message:
        '(#100) You must provide an app access token, or a user access token that is an owner or developer of the app',
    })
    const missing = await f.get('/debug_token', { access_token: f.emu.appToken(f.app.id) })
    expect(missing.json.error).toMatchObject({ code: 100 })
    const badSecret = await debug(user, `${f.app.id}|wrong`)
    expect(badSecret.status).toBe(400)
    expect(badSecret.json.error?.code).toBe(190)
    expect(badSecret.headers.get('www-authenticate')).toMatch(/^OAuth "Facebook Platform" "invalid_token"/)
    const post = await f.call('POST', '/debug_token', { input_token: user, access_token: f.emu.appToken(f.app.id) })
    expect(post.status).toBe(400)
    expect(post.json.error).toMatchObject({ code: 100, type: 'GraphMethodException' })
    expect(f.emu.requestCount('/debug_token')).toBe(4)
  })

  it("accepts a developer's user token as the caller, and selects fields of data", async () => {
    const dev = f.emu.createUser({ name: 'Dev', developerOf: [f.app.id] })
    const devToken = f.emu.issueUserToken({ appId: f.app.id, userId: dev.id, lifetime: 'long' })
    const input = f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id, scopes: ['email'] })
    const res = await f.call(
      'GET',
      '/debug_token',
      { input_token: input, fields: 'app_id,type,user_id' },
      { token: devToken },
    )
    expect(res.status).toBe(200)
    expect(res.json).toEqual({ data: { app_id: f.app.id, type: 'USER', user_id: f.user.id } })
    const self = await f.call('GET', '/debug_token', { input_token: devToken, fields: 'app_id' }, { token: devToken })
    expect(self.json).toEqual({ data: { app_id: f.app.id } })
    const garbage = await debug('garbage')
    expect(garbage.json.data?.is_valid).toBe(false)
    const selected = await f.get('/debug_token', {
      input_token: 'garbage',
      fields: 'app_id,is_valid',
      access_token: f.emu.appToken(f.app.id),
    })
    expect(selected.json.data).toEqual({ is_valid: false, error: expect.objectContaining({ code: 190 }) })
    const unknown = await debug(input, f.emu.appToken(f.app.id))
    expect(unknown.status).toBe(200)
    const nope = await f.get('/debug_token', {
      input_token: input,
      fields: 'nope',
      access_token: f.emu.appToken(f.app.id),
    })
    expect(nope.json.error).toMatchObject({ code: 100 })
  })
})
