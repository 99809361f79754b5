import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type Emulator, startEmulator } from '../src/index.js'

let emu: Emulator
beforeEach(async () => {
  emu = await startEmulator({ now: 1_700_000_000, freezeClock: true })
})
afterEach(() => emu.close())

async function admin(method: string, path: string, body?: unknown) {
  const res = await fetch(`${emu.url}/__admin${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

describe('admin API', () => {
  it('seeds apps, users, pages and tokens, and the tokens work on Graph', async () => {
    const app = (await admin('POST', '/apps', { name: 'Admin App', requireProof: false })).body
    expect(app).toMatchObject({ name: 'Admin App', id: expect.any(String), secret: expect.any(String) })
    const user = (await admin('POST', '/users', { name: 'Grace' })).body
    const page = (await admin('POST', '/pages', { name: 'Grace Page', admins: [user.id] })).body
    const token = (await admin('POST', '/tokens/user', { appId: app.id, userId: user.id, lifetime: 'long' })).body
      .access_token as string
    const me = await fetch(`${emu.url}/me?access_token=${token}`)
    expect(await me.json()).toEqual({ name: 'Grace', id: user.id })
    const pageToken = await admin('POST', '/tokens/page', { appId: app.id, userId: user.id, pageId: page.id })
    expect(pageToken.body.access_token).toMatch(/^EAA/)
    const system = await admin('POST', '/tokens/system-user', { appId: app.id, userId: user.id })
    expect(system.status).toBe(201)
    const appToken = await admin('GET', `/apps/${app.id}/token`)
    expect(appToken.body.access_token).toBe(emu.appToken(String(app.id)))

    expect((await admin('POST', '/tokens/invalidate', { token, reason: 'logged_out' })).status).toBe(200)
    const after = await fetch(`${emu.url}/me?access_token=${token}`)
    expect(((await after.json()) as { error: { error_subcode: number } }).error.error_subcode).toBe(466)

    const state = (await admin('GET', '/state')).body
    expect(state).toMatchObject({ now: 1_700_000_000, tokens: { issued: 3, valid: 2 } })
    expect(emu.requestCount()).toBe(2)
  })

  it('moves time, sets faults and usage, counts, signs and removes apps', async () => {
    expect((await admin('POST', '/time/advance', { seconds: 60 })).body).toEqual({ now: 1_700_000_060 })
    expect((await admin('GET', '/time')).body).toEqual({ now: 1_700_000_060 })
    await admin('PUT', '/faults', { status: 502 })
    expect((await fetch(`${emu.url}/debug_token`)).status).toBe(502)
    await admin('DELETE', '/faults')
    expect((await fetch(`${emu.url}/debug_token`)).status).toBe(400)
    expect((await admin('GET', '/counts?path=/debug_token')).body.count).toBe(2)
    await admin('DELETE', '/counts')
    expect(emu.requestCount()).toBe(0)

    const app = emu.createApp({ secret: 'key' })
    const user = emu.createUser()
    expect((await admin('PUT', `/apps/${app.id}/usage`, { callCount: 50 })).status).toBe(200)
    const signed = await admin('POST', '/signed-request', { appId: app.id, payload: { user_id: '0', issued_at: 1 } })
    expect(signed.body.signed_request).toBe(emu.signedRequest(app.id, { user_id: '0', issued_at: 1 }))
    const token = emu.issueUserToken({ appId: app.id, userId: user.id })
    expect((await admin('POST', '/remove-app', { userId: user.id, appId: app.id })).body).toEqual({ success: true })
    const gone = await fetch(`${emu.url}/me?access_token=${token}`)
    expect(((await gone.json()) as { error: { error_subcode: number } }).error.error_subcode).toBe(458)
  })

  it('answers bad input with 400 and unknown routes with 404', async () => {
    expect((await admin('POST', '/pages', { name: 'x', admins: ['nope'] })).status).toBe(400)
    expect((await admin('POST', '/tokens/invalidate', { token: 'x' })).status).toBe(400)
    expect((await admin('GET', '/nothing')).status).toBe(404)
  })
})

describe('data deletion requests', () => {
  it("POSTs a data deletion signed_request to the app's callback and reports its answer", async () => {
    const { createServer } = await import('node:http')
    const received: string[] = []
    let answer = { status: 200, body: '{"url":"https://example.com/status?id=abc123","confirmation_code":"abc123"}' }
    const server = createServer((req, res) => {
      let body = ''
      req.on('data', (chunk) => {
        body += chunk
      })
      req.on('end', () => {
        received.push(new URLSearchParams(body).get('signed_request') ?? '')
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body)
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as { port: number }
    const emu = await startEmulator({ now: 1_700_000_000, freezeClock: true })
    try {
      const app = emu.createApp({ dataDeletionCallbackUrl: `http://127.0.0.1:${port}/deletion` })
      const noCallback = emu.createApp()
      const user = emu.createUser()
      const result = await emu.requestDataDeletion(user.id, app.id)
      expect(result).toEqual({
        status: 200,
        body: { url: 'https://example.com/status?id=abc123', confirmation_code: 'abc123' },
        valid: true,
      })
      const payload = JSON.parse(Buffer.from(received[0]!.split('.')[1]!, 'base64url').toString())
      expect(payload).toEqual({
        user_id: user.id,
        algorithm: 'HMAC-SHA256',
        issued_at: 1_700_000_000,
        expires: 1_700_003_600,
      })
      answer = { status: 200, body: '{"url":"https://example.com"}' }
      const viaAdmin = await fetch(`${emu.url}/__admin/request-data-deletion`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userId: user.id, appId: app.id }),
      })
      expect(await viaAdmin.json()).toMatchObject({ status: 200, valid: false })
      await expect(emu.requestDataDeletion(user.id, noCallback.id)).rejects.toThrow(TypeError)
    } finally {
      await emu.close()
      server.close()
    }
  })

  it('seeds and updates profile and Page fields', async () => {
    const app = (await admin('POST', '/apps', { name: 'Profile App', requireProof: false })).body
    const user = (
      await admin('POST', '/users', {
        name: 'Grace Hopper',
        firstName: 'Grace',
        lastName: 'Hopper',
        pictureUrl: 'https://cdn.example.com/grace.jpg',
        link: 'https://www.facebook.com/grace',
      })
    ).body
    const page = (await admin('POST', '/pages', { name: 'Navy', admins: [user.id], about: 'Ships', fanCount: 7 })).body
    const token = emu.issueUserToken({ appId: String(app.id), userId: String(user.id), scopes: ['user_link'] })
    const fields = 'first_name,last_name,link,picture{url}'
    const me = (await (await fetch(`${emu.url}/me?fields=${fields}&access_token=${token}`)).json()) as Record<
      string,
      unknown
    >
    expect(me).toEqual({
      first_name: 'Grace',
      last_name: 'Hopper',
      link: 'https://www.facebook.com/grace',
      picture: { data: { url: 'https://cdn.example.com/grace.jpg' } },
      id: user.id,
    })
    expect((await admin('PATCH', `/users/${user.id}`, { firstName: 'Amazing Grace' })).body).toEqual({
      id: user.id,
      name: 'Grace Hopper',
    })
    expect((await admin('PATCH', `/pages/${page.id}`, { fanCount: 8, username: 'navy' })).status).toBe(200)
    const read = async (path: string) =>
      (await (await fetch(`${emu.url}${path}&access_token=${token}`)).json()) as Record<string, unknown>
    expect((await read('/me?fields=first_name')).first_name).toBe('Amazing Grace')
    expect(await read(`/${page.id}?fields=about,fan_count,username`)).toEqual({
      about: 'Ships',
      fan_count: 8,
      username: 'navy',
      id: page.id,
    })
    const bad = await admin('PATCH', `/users/${user.id}`, { pictureUrl: 'javascript:alert(1)' })
    expect(bad.status).toBe(400)
    expect(bad.body.error).toMatch(/pictureUrl/)
    expect((await admin('PATCH', `/pages/${page.id}`, { fanCount: -1 })).status).toBe(400)
    expect((await admin('PATCH', '/users/999', { name: 'x' })).status).toBe(400)
    const state = (await admin('GET', '/state')).body as { pages: Array<Record<string, unknown>> }
    expect(state.pages[0]).toMatchObject({ about: 'Ships', fanCount: 8, username: 'navy' })
  })
})
