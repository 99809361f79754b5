import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { signSignedRequest, startEmulator } from '../src/index.js'
import { createFixture } from './fixture.js'

let f: Awaited<ReturnType<typeof createFixture>>
beforeEach(async () => {
  f = await createFixture()
})
afterEach(() => f.emu.close())

describe('bad input gets Graph error bodies', () => {
  it('unknown paths, edges and methods', async () => {
    const token = f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id })
    const deep = await f.get('/v25.0/foo/bar/baz')
    expect(deep.json.error).toMatchObject({ code: 2500, message: 'Unknown path components: /bar/baz' })
    const edge = await f.get('/me/nothing', {}, token)
    expect(edge.json.error).toMatchObject({ code: 100 })
    const put = await f.call('PUT', '/oauth/access_token')
    expect(put.json.error).toMatchObject({ code: 100, type: 'GraphMethodException' })
    const noToken = await f.get(`/${f.user.id}`)
    expect(noToken.json.error).toMatchObject({ code: 104 })
  })

  it('malformed bodies and oversized bodies', async () => {
    const bad = await fetch(`${f.emu.url}/me`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{nope',
    })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { error: { code: number } }).error.code).toBe(100)
    const big = await fetch(`${f.emu.url}/me`, { method: 'POST', body: 'x'.repeat(1024 * 1024 + 10) })
    expect(big.status).toBe(400)
    const garbage = await f.get('/me', { access_token: 'EAA!!' })
    expect(garbage.json.error).toMatchObject({ code: 190, type: 'OAuthException' })
  })
})

describe('tokens and options', () => {
  it('user, page and system tokens look real and vary in length', () => {
    const tokens = Array.from({ length: 10 }, () => f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id }))
    for (const t of tokens) expect(t).toMatch(/^EAA[A-Za-z0-9]{100,}$/)
    expect(new Set(tokens.map((t) => t.length)).size).toBeGreaterThan(1)
    expect(f.emu.appToken(f.app.id)).toMatch(new RegExp(`^${f.app.id}\\|[\\w-]+$`))
  })

  it('refuses a non-loopback host unless allowed, and bad caller input with TypeError', async () => {
    await expect(startEmulator({ host: '0.0.0.0' })).rejects.toThrow(TypeError)
    expect(() => f.emu.createPage({ name: 'x', admins: ['404'] })).toThrow(TypeError)
    expect(() => f.emu.issueUserToken({ appId: '1', userId: f.user.id })).toThrow(/unknown app/)
    expect(() => f.emu.setFaults({ rate: 2 })).toThrow(TypeError)
  })

  it('counts requests per path without the version prefix', async () => {
    f.emu.resetCounts()
    await f.get('/v25.0/debug_token')
    await f.get('/debug_token')
    await f.get('/v24.0/me')
    expect(f.emu.requestCount('/debug_token')).toBe(2)
    expect(f.emu.requestCount('/v25.0/debug_token')).toBe(2)
    expect(f.emu.requestCount('/me')).toBe(1)
    expect(f.emu.requestCount()).toBe(3)
    f.emu.resetCounts()
    expect(f.emu.requestCount()).toBe(0)
  })
})

describe('signed_request', () => {
  it('matches the signed_request test vector (docs/graph-protocol.md#signed_request-test-vector)', () => {
    expect(signSignedRequest('key', { user_id: '0', algorithm: 'HMAC-SHA256', issued_at: 1624244156 })).toBe(
      'Mf_s6nTb38UYqioBmPqu0Ewm9souPZB9I2fIGwV729U.eyJ1c2VyX2lkIjoiMCIsImFsZ29yaXRobSI6IkhNQUMtU0hBMjU2IiwiaXNzdWVkX2F0IjoxNjI0MjQ0MTU2fQ',
    )
  })

  it('emu.signedRequest signs with the app secret', () => {
    const app = f.emu.createApp({ secret: 'key' })
    expect(f.emu.signedRequest(app.id, { user_id: '0', issued_at: 1624244156 })).toBe(
      'Mf_s6nTb38UYqioBmPqu0Ewm9souPZB9I2fIGwV729U.eyJ1c2VyX2lkIjoiMCIsImFsZ29yaXRobSI6IkhNQUMtU0hBMjU2IiwiaXNzdWVkX2F0IjoxNjI0MjQ0MTU2fQ',
    )
  })
})
