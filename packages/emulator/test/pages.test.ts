import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createFixture, type Json, START } from './fixture.js'

let f: Awaited<ReturnType<typeof createFixture>>
beforeEach(async () => {
  f = await createFixture()
})
afterEach(() => f.emu.close())

const longUser = (scopes = ['email', 'pages_show_list', 'pages_manage_posts']) =>
  f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id, scopes, lifetime: 'long' })

describe('GET /me', () => {
  it('answers id and name, and email when asked and granted', async () => {
    const token = longUser()
    expect((await f.get('/v25.0/me', {}, token)).json).toEqual({ name: 'Ada Lovelace', id: f.user.id })
    const withEmail = await f.get('/me', { fields: 'id,name,email' }, token)
    expect(withEmail.json).toEqual({ id: f.user.id, name: 'Ada Lovelace', email: 'ada@example.com' })
    const noScope = f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id })
    expect((await f.get('/me', { fields: 'email' }, noScope)).json).toEqual({ id: f.user.id })
    // What profile libraries ask for by default: middle_name has no value and gender needs user_gender,
    // so both are left out; picture is the silhouette the emulator serves.
    const profile = await f.get('/me', { fields: 'id,first_name,middle_name,last_name,gender,picture' }, token)
    expect(profile.json).toEqual({
      id: f.user.id,
      first_name: 'Ada',
      last_name: 'Lovelace',
      picture: {
        data: {
          height: 50,
          width: 50,
          is_silhouette: true,
          url: `${f.emu.url}/__emulator/silhouette.png?width=50&height=50`,
        },
      },
    })
    const unknown = await f.get('/me', { fields: 'shoe_size' }, token)
    expect(unknown.json.error).toMatchObject({ code: 100 })
    const app = await f.get('/me', { access_token: f.emu.appToken(f.app.id) })
    expect(app.json.error).toMatchObject({ code: 2500 })
    const none = await f.get('/me')
    expect(none.json.error?.code).toBe(2500)
  })

  it('answers 190 with WWW-Authenticate once the clock passes expiry', async () => {
    const token = f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id })
    expect((await f.get('/me', {}, token)).status).toBe(200)
    f.emu.advanceTime(7201)
    const res = await f.get('/me', {}, token)
    expect(res.status).toBe(400)
    expect(res.json.error).toMatchObject({ code: 190, error_subcode: 463, type: 'OAuthException' })
    expect(res.headers.get('www-authenticate')).toMatch(/^OAuth "Facebook Platform" "invalid_token" "Error validating/)
  })

  it('accepts the token in an Authorization header', async () => {
    const token = longUser()
    const res = await fetch(`${f.emu.url}/me?appsecret_proof=${f.proof(token)}`, {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(await res.json()).toEqual({ name: 'Ada Lovelace', id: f.user.id })
  })
})

describe('GET /me/accounts', () => {
  it('pages across several pages with limit, full-URL next and previous links', async () => {
    const token = longUser()
    const first = await f.get('/v25.0/me/accounts', { limit: '2' }, token)
    expect(first.status).toBe(200)
    expect(first.json.data?.map((p: Json) => p.id)).toEqual([f.pages[0]?.id, f.pages[1]?.id])
    const entry = first.json.data?.[0]
    expect(Object.keys(entry ?? {}).sort()).toEqual([
      'access_token',
      'category',
      'category_list',
      'id',
      'name',
      'tasks',
    ])
    expect(entry?.category_list).toEqual([{ id: '2500', name: 'Bakery' }])
    expect(first.json.paging?.previous).toBeUndefined()
    const next = String(first.json.paging?.next)
    expect(next.startsWith(`${f.emu.url}/v25.0/me/accounts?`)).toBe(true)
    const second = (await (await fetch(next)).json()) as Json
    expect(second.data?.map((p: Json) => p.id)).toEqual([f.pages[2]?.id])
    expect(second.paging?.next).toBeUndefined()
    expect(second.paging?.cursors?.before).toBeTruthy()
    const back = (await (await fetch(String(second.paging?.previous))).json()) as Json
    expect(back.data?.map((p: Json) => p.id)).toEqual([f.pages[0]?.id, f.pages[1]?.id])
    const all = await f.get('/me/accounts', {}, token)
    expect(all.json.data?.length).toBe(3)
    expect(all.json.paging?.next).toBeUndefined()
  })

  it('hands out never-expiring page tokens from a long-lived user token, short-lived from a short one', async () => {
    const appToken = f.emu.appToken(f.app.id)
    const fromLong = (await f.get('/me/accounts', {}, longUser())).json.data?.[0]?.access_token
    const longData = (await f.get('/debug_token', { input_token: String(fromLong), access_token: appToken })).json.data
    expect(longData).toMatchObject({ type: 'PAGE', expires_at: 0, profile_id: f.pages[0]?.id })
    const short = f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id, scopes: ['pages_show_list'] })
    const fromShort = (await f.get('/me/accounts', {}, short)).json.data?.[0]?.access_token
    const shortData = (await f.get('/debug_token', { input_token: String(fromShort), access_token: appToken })).json
      .data
    expect(shortData?.expires_at).toBe(START + 7200)
  })

  it('needs pages_show_list', async () => {
    const res = await f.get('/me/accounts', {}, longUser(['email']))
    expect(res.status).toBe(403)
    expect(res.json.error?.code).toBe(10)
  })
})

describe('Pages', () => {
  it('GET /{page-id}?fields=access_token only for users with a role', async () => {
    const pageId = f.pages[0]?.id ?? ''
    const res = await f.get(`/v25.0/${pageId}`, { fields: 'access_token' }, longUser())
    expect(res.json).toEqual({ access_token: expect.stringMatching(/^EAA/), id: pageId })
    expect((await f.get(`/${pageId}`, {}, longUser())).json).toEqual({ name: 'Page 1', id: pageId })
    const stranger = f.emu.createUser({ name: 'Stranger' })
    const theirs = f.emu.issueUserToken({ appId: f.app.id, userId: stranger.id })
    const denied = await f.get(`/${pageId}`, { fields: 'access_token' }, theirs)
    expect(denied.status).toBe(403)
    expect(denied.json.error?.code).toBe(200)
    const missing = await f.get('/999999', {}, theirs)
    expect(missing.json.error).toMatchObject({ code: 100, error_subcode: 33, type: 'GraphMethodException' })
    const alias = await f.get('/nosuchalias', {}, theirs)
    expect(alias.json.error?.code).toBe(803)
  })

  it('POST and GET /{page-id}/feed with a page token (form and JSON bodies)', async () => {
    const pageId = f.pages[0]?.id ?? ''
    const page = f.emu.issuePageToken({ appId: f.app.id, userId: f.user.id, pageId, lifetime: 'long' })
    const first = await f.call('POST', `/v25.0/${pageId}/feed`, {}, { token: page, body: { message: 'Hello' } })
    expect(first.json).toEqual({ id: `${pageId}_1` })
    const second = await f.call('POST', `/${pageId}/feed`, {}, { token: page, body: { message: 'Again' }, json: true })
    expect(second.json).toEqual({ id: `${pageId}_2` })
    const list = await f.get(`/${pageId}/feed`, {}, page)
    expect(list.json.data?.map((p: Json) => p.message)).toEqual(['Again', 'Hello'])
    const asUser = await f.call('POST', `/${pageId}/feed`, {}, { token: longUser(), body: { message: 'x' } })
    expect(asUser.json.error?.code).toBe(200)
    const empty = await f.call('POST', `/${pageId}/feed`, {}, { token: page, body: {} })
    expect(empty.json.error?.code).toBe(100)
  })
})

describe('/{user-id}/permissions', () => {
  it('lists granted permissions and revokes one', async () => {
    const token = longUser(['email', 'pages_show_list'])
    const res = await f.get(`/v25.0/${f.user.id}/permissions`, {}, token)
    expect(res.json).toEqual({
      data: [
        { permission: 'public_profile', status: 'granted' },
        { permission: 'email', status: 'granted' },
        { permission: 'pages_show_list', status: 'granted' },
      ],
    })
    const revoke = await f.call('DELETE', '/me/permissions/email', {}, { token })
    expect(revoke.json).toEqual({ success: true })
    const after = await f.get('/me/permissions', {}, token)
    expect(after.json.data).toContainEqual({ permission: 'email', status: 'declined' })
    const viaApp = await f.get(`/${f.user.id}/permissions`, { access_token: f.emu.appToken(f.app.id) })
    expect(viaApp.json.data?.length).toBe(3)
  })

  it('DELETE removes the app: tokens turn 458 and the deauthorize callback receives a signed_request', async () => {
    const received: string[] = []
    const server = createServer((req, res) => {
      let body = ''
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString()
      })
      req.on('end', () => {
        received.push(body)
        res.end('ok')
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const callback = `http://127.0.0.1:${(server.address() as AddressInfo).port}/deauthorize`
    const app = f.emu.createApp({ name: 'Callback App', deauthorizeCallbackUrl: callback, requireProof: false })
    const token = f.emu.issueUserToken({ appId: app.id, userId: f.user.id, lifetime: 'long' })
    const res = await f.call('DELETE', `/${f.user.id}/permissions`, { access_token: token })
    expect(res.json).toEqual({ success: true })
    const me = await f.get('/me', { access_token: token })
    expect(me.json.error).toMatchObject({ code: 190, error_subcode: 458 })
    await f.emu.close()
    await new Promise<void>((resolve) => server.close(() => resolve()))
    expect(received).toHaveLength(1)
    const signed = new URLSearchParams(received[0]).get('signed_request') ?? ''
    const payload = JSON.parse(Buffer.from(signed.split('.')[1] ?? '', 'base64url').toString())
    expect(payload).toEqual({ user_id: f.user.id, algorithm: 'HMAC-SHA256', issued_at: START })
    expect(signed).toBe(f.emu.signedRequest(app.id, { user_id: f.user.id }))
  })
})
