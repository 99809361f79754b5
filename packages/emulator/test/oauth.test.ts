import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createFixture } from './fixture.js'

let f: Awaited<ReturnType<typeof createFixture>>
beforeEach(async () => {
  f = await createFixture()
})
afterEach(() => f.emu.close())

describe('GET /oauth/access_token', () => {
  it('client_credentials answers the app token, on versioned and unversioned paths', async () => {
    for (const path of ['/oauth/access_token', '/v25.0/oauth/access_token', '/v24.0/oauth/access_token']) {
      const res = await f.get(path, {
        client_id: f.app.id,
        client_secret: f.app.secret,
        grant_type: 'client_credentials',
      })
      expect(res.status).toBe(200)
      expect(res.json).toEqual({ access_token: f.emu.appToken(f.app.id), token_type: 'bearer' })
      expect(res.json.access_token?.startsWith(`${f.app.id}|`)).toBe(true)
      expect(res.headers.get('facebook-api-version')).toBe(path.startsWith('/v24') ? 'v24.0' : 'v25.0')
      expect(res.headers.get('x-fb-trace-id')).toMatch(/^\w{11}$/)
      expect(JSON.parse(res.headers.get('x-app-usage') ?? '')).toHaveProperty('call_count')
    }
    expect(f.emu.requestCount('/oauth/access_token')).toBe(3)
  })

  it('refuses a wrong client secret and an unknown app', async () => {
    const wrong = await f.get('/oauth/access_token', {
      client_id: f.app.id,
      client_secret: 'nope',
      grant_type: 'client_credentials',
    })
    expect(wrong.status).toBe(400)
    expect(wrong.json.error).toMatchObject({
      message: 'Error validating client secret.',
      type: 'OAuthException',
      code: 1,
    })
    expect(wrong.json.error?.fbtrace_id).toBe(wrong.headers.get('x-fb-trace-id'))
    const unknown = await f.get('/oauth/access_token', {
      client_id: '999',
      client_secret: 'x',
      grant_type: 'client_credentials',
    })
    expect(unknown.json.error).toMatchObject({ code: 101, type: 'OAuthException' })
  })

  it('exchanges a short-lived user token for a long-lived one, and refuses an expired one', async () => {
    const short = f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id, scopes: ['email'] })
    const params = { client_id: f.app.id, client_secret: f.app.secret, grant_type: 'fb_exchange_token' }
    const res = await f.get('/v25.0/oauth/access_token', { ...params, fb_exchange_token: short })
    expect(res.status).toBe(200)
    expect(res.json.token_type).toBe('bearer')
    expect(res.json.expires_in).toBe(5183944)
    expect(res.json.access_token).toMatch(/^EAA[A-Za-z0-9]+$/)
    f.emu.advanceTime(3 * 3600)
    const expired = await f.get('/v25.0/oauth/access_token', { ...params, fb_exchange_token: short })
    expect(expired.status).toBe(400)
    expect(expired.json.error).toMatchObject({ code: 190, error_subcode: 463 })
    const garbage = await f.get('/v25.0/oauth/access_token', { ...params, fb_exchange_token: 'garbage' })
    expect(garbage.json.error).toMatchObject({
      code: 190,
      message: 'Invalid OAuth access token - Cannot parse access token',
    })
  })

  it("never exchanges another app's token", async () => {
    const other = f.emu.createApp({ name: 'Other' })
    const token = f.emu.issueUserToken({ appId: other.id, userId: f.user.id })
    const res = await f.get('/oauth/access_token', {
      client_id: f.app.id,
      client_secret: f.app.secret,
      grant_type: 'fb_exchange_token',
      fb_exchange_token: token,
    })
    expect(res.status).toBe(400)
    expect(res.json.error?.code).toBe(190)
  })

  it('refreshes a system user token for 60 days', async () => {
    const system = f.emu.issueSystemUserToken({ appId: f.app.id, userId: f.user.id, scopes: ['business_management'] })
    const res = await f.get('/oauth/access_token', {
      client_id: f.app.id,
      client_secret: f.app.secret,
      grant_type: 'fb_exchange_token',
      fb_exchange_token: system,
      set_token_expires_in_60_days: 'true',
    })
    expect(res.json.expires_in).toBe(5184000)
    const debug = await f.get('/debug_token', {
      input_token: String(res.json.access_token),
      access_token: f.emu.appToken(f.app.id),
    })
    expect(debug.json.data).toMatchObject({ type: 'SYSTEM_USER', expires_at: 1_700_000_000 + 5184000 })
  })
})
