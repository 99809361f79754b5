import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createFixture } from './fixture.js'

let f: Awaited<ReturnType<typeof createFixture>>
beforeEach(async () => {
  f = await createFixture()
})
afterEach(() => f.emu.close())

const REDIRECT = 'http://localhost:3000/callback'

/** Opens the consent page and returns its form: action and fields as a browser would submit them. */
async function openDialog(params: Record<string, string>) {
  const query = new URLSearchParams({ client_id: f.app.id, redirect_uri: REDIRECT, state: 'st4te', ...params })
  const res = await fetch(`${f.emu.url}/v25.0/dialog/oauth?${query}`, { redirect: 'manual' })
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toMatch(/^text\/html/)
  const html = await res.text()
  expect(html).toContain('Test App')
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1] ?? ''
  const fields = new URLSearchParams()
  for (const input of html.matchAll(/<input ([^>]+)>/g)) {
    const attrs = input[1] ?? ''
    const name = /name="([^"]+)"/.exec(attrs)?.[1]
    const value = (/value="([^"]*)"/.exec(attrs)?.[1] ?? '').replace(/&#(\d+);/g, (_, c) => String.fromCharCode(c))
    const checkable = /type="(checkbox|radio)"/.test(attrs)
    if (name && (!checkable || attrs.includes(' checked'))) fields.append(name, value)
  }
  return { action, fields, html }
}

async function submit(action: string, fields: URLSearchParams, decision: 'allow' | 'cancel') {
  fields.set('decision', decision)
  const res = await fetch(`${f.emu.url}${action}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: fields.toString(),
  })
  expect(res.status).toBe(302)
  return new URL(res.headers.get('location') ?? '')
}

const exchange = (code: string, redirectUri = REDIRECT) =>
  f.get('/v25.0/oauth/access_token', {
    client_id: f.app.id,
    client_secret: f.app.secret,
    redirect_uri: redirectUri,
    code,
  })

describe('login dialog', () => {
  it('Allow redirects with a code that exchanges once for a user token with the ticked scopes', async () => {
    const { action, fields, html } = await openDialog({ scope: 'email,pages_show_list' })
    expect(html).toContain('value="email"')
    expect(html).toContain('Ada Lovelace')
    fields.delete('grant', 'pages_show_list')
    const location = await submit(action, fields, 'allow')
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT)
    expect(location.searchParams.get('state')).toBe('st4te')
    expect(location.hash).toBe('#_=_') // as Meta does: browsers carry it over the app's redirects
    const code = location.searchParams.get('code') ?? ''
    expect(code).toMatch(/^AQ/)

    const mismatch = await exchange(code, 'http://localhost:3000/other')
    expect(mismatch.json.error).toMatchObject({
      code: 100,
      type: 'OAuthException',
      message:
        'Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request',
    })
    const res = await exchange(code)
    expect(res.status).toBe(200)
    expect(res.json.expires_in).toBe(7200)
    const token = String(res.json.access_token)
    const debug = await f.get('/debug_token', { input_token: token, access_token: f.emu.appToken(f.app.id) })
    expect(debug.json.data?.scopes).toEqual(['public_profile', 'email'])
    const perms = await f.get('/me/permissions', {}, token)
    expect(perms.json.data).toContainEqual({ permission: 'pages_show_list', status: 'declined' })

    const reuse = await exchange(code)
    expect(reuse.status).toBe(400)
    expect(reuse.json.error).toMatchObject({
      code: 100,
      error_subcode: 36009,
      message: 'This authorization code has been used.',
    })
  })

  it('Cancel redirects with error=access_denied', async () => {
    const { action, fields } = await openDialog({ scope: 'email' })
    const location = await submit(action, fields, 'cancel')
    expect(Object.fromEntries(location.searchParams)).toEqual({
      error: 'access_denied',
      error_code: '200',
      error_description: 'Permissions error',
      error_reason: 'user_denied',
      state: 'st4te',
    })
    expect(location.hash).toBe('#_=_')
  })

  it('appends #_=_ only when redirect_uri has no fragment', async () => {
    const withFragment = 'http://localhost:3000/callback#done'
    const app = f.emu.createApp({ name: 'Test App', redirectUris: [withFragment] })
    const { action, fields } = await openDialog({ client_id: app.id, redirect_uri: withFragment, scope: 'email' })
    for (const decision of ['allow', 'cancel'] as const) {
      const location = await submit(action, new URLSearchParams(fields), decision)
      expect(location.hash).toBe('#done')
      expect(location.href).not.toContain('_=_')
    }
  })

  it("round trip with a client that follows redirects: the app's callback receives the code and the state", async () => {
    const received: string[] = []
    const server = createServer((req, res) => {
      received.push(req.url ?? '')
      res.writeHead(200, { 'content-type': 'text/plain' }).end('logged in')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const callback = `http://127.0.0.1:${(server.address() as AddressInfo).port}/auth/callback`
      const app = f.emu.createApp({ name: 'Test App', redirectUris: [callback] })
      const { action, fields } = await openDialog({ client_id: app.id, redirect_uri: callback, scope: 'email' })
      fields.set('decision', 'allow')
      const landed = await fetch(`${f.emu.url}${action}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: fields.toString(),
      })
      expect(landed.status).toBe(200)
      expect(await landed.text()).toBe('logged in')
      expect(landed.url).toMatch(new RegExp(`^${callback}\\?`))
      expect(received).toHaveLength(1)
      const query = new URL(received[0] ?? '', callback).searchParams
      expect(query.get('state')).toBe('st4te')
      const token = await f.get('/v25.0/oauth/access_token', {
        client_id: app.id,
        client_secret: app.secret,
        redirect_uri: callback,
        code: query.get('code') ?? '',
      })
      expect(token.status).toBe(200)
      expect(token.json).toMatchObject({ token_type: 'bearer' })
    } finally {
      server.close()
    }
  })

  it('codes expire after 10 minutes of emulator clock', async () => {
    const { action, fields } = await openDialog({ scope: 'email' })
    const code = (await submit(action, fields, 'allow')).searchParams.get('code') ?? ''
    f.emu.advanceTime(601)
    expect((await exchange(code)).json.error).toMatchObject({ code: 100, error_subcode: 36007 })
  })

  it('declined permissions stay declined unless auth_type=rerequest', async () => {
    const first = await openDialog({ scope: 'email' })
    first.fields.delete('grant')
    await submit(first.action, first.fields, 'allow')
    const again = await openDialog({ scope: 'email' })
    await submit(again.action, again.fields, 'allow')
    expect(f.emu.state().users).toBeTruthy()
    const app = f.emu.appToken(f.app.id)
    let perms = await f.get(`/${f.user.id}/permissions`, { access_token: app })
    expect(perms.json.data).toContainEqual({ permission: 'email', status: 'declined' })
    const re = await openDialog({ scope: 'email', auth_type: 'rerequest' })
    await submit(re.action, re.fields, 'allow')
    perms = await f.get(`/${f.user.id}/permissions`, { access_token: app })
    expect(perms.json.data).toContainEqual({ permission: 'email', status: 'granted' })
  })

  it('refuses a redirect_uri that is not registered with an HTML 400', async () => {
    const query = new URLSearchParams({ client_id: f.app.id, redirect_uri: 'https://evil.example/cb' })
    const res = await fetch(`${f.emu.url}/dialog/oauth?${query}`, { redirect: 'manual' })
    expect(res.status).toBe(400)
    expect(await res.text()).toContain('URL blocked')
  })
})
