import { request } from 'node:http'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { GRAPH_VERSIONS, startEmulator } from '../src/index.js'
import { createFixture, type Json } from './fixture.js'

let f: Awaited<ReturnType<typeof createFixture>>
beforeEach(async () => {
  f = await createFixture()
})
afterEach(() => f.emu.close())

const userToken = () =>
  f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id, scopes: ['pages_show_list'], lifetime: 'long' })

/** A raw HTTP GET to the emulator with the given request target and headers. */
function rawGet(target: string, headers: Record<string, string>): Promise<{ status: number; json: Json }> {
  const { hostname, port } = new URL(f.emu.url)
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path: target, headers, setHost: false }, (res) => {
      let text = ''
      res.on('data', (chunk: Buffer) => {
        text += chunk.toString()
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Json }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('versions', () => {
  it('serves a retired version as the oldest available one, and says so', async () => {
    const oldest = GRAPH_VERSIONS[0]
    for (const version of ['v2.3', 'v3.2', 'v20.0']) {
      const res = await f.get(`/${version}/me`, {}, userToken())
      expect(res.status).toBe(200)
      expect(res.headers.get('facebook-api-version')).toBe(oldest)
    }
    for (const version of GRAPH_VERSIONS) {
      expect((await f.get(`/${version}/me`, {}, userToken())).headers.get('facebook-api-version')).toBe(version)
    }
    expect((await f.get('/me', {}, userToken())).headers.get('facebook-api-version')).toBe('v25.0')
  })

  it('answers a version Graph never offered as an unknown path', async () => {
    for (const version of ['v99.0', 'v22.5']) {
      const res = await f.get(`/${version}/me`, {}, userToken())
      expect(res.json.error).toMatchObject({ code: 2500, message: `Unknown path components: /${version}/me` })
    }
  })

  it('links paging.next on the served version, and refuses a default version Graph does not offer', async () => {
    const res = await f.get('/v2.6/me/accounts', { limit: '1' }, userToken())
    expect(String(res.json.paging?.next)).toContain(`/${GRAPH_VERSIONS[0]}/me/accounts?`)
    await expect(startEmulator({ graphVersion: 'v2.0' })).rejects.toThrow(TypeError)
  })
})

describe('paging links on the host the client called', () => {
  it('uses the Host header', async () => {
    const port = new URL(f.emu.url).port
    const token = userToken()
    const target = `/v25.0/me/accounts?limit=1&access_token=${token}&appsecret_proof=${f.proof(token)}`
    const res = await rawGet(target, { host: `localhost:${port}` })
    expect(String(res.json.paging?.next).startsWith(`http://localhost:${port}/v25.0/me/accounts?`)).toBe(true)
    const field = await rawGet(
      `/v25.0/me?fields=accounts.limit(1)&access_token=${token}&appsecret_proof=${f.proof(token)}`,
      { host: `localhost:${port}` },
    )
    expect(String(field.json.accounts?.paging?.next)).toMatch(
      new RegExp(`^http://localhost:${port}/v25.0/\\d+/accounts\\?`),
    )
  })

  it('uses X-Forwarded-Proto from a TLS-terminating proxy, and an absolute request target', async () => {
    const token = userToken()
    const query = `limit=1&access_token=${token}&appsecret_proof=${f.proof(token)}`
    const forwarded = await rawGet(`/v25.0/me/accounts?${query}`, {
      host: 'graph.facebook.com',
      'x-forwarded-proto': 'https',
    })
    expect(String(forwarded.json.paging?.next).startsWith('https://graph.facebook.com/v25.0/me/accounts?')).toBe(true)
    const absolute = await rawGet(`http://graph.example.test:8080/v25.0/me/accounts?${query}`, {
      host: 'graph.example.test:8080',
    })
    expect(String(absolute.json.paging?.next).startsWith('http://graph.example.test:8080/v25.0/me/accounts?')).toBe(
      true,
    )
  })

  it('falls back to the emulator URL for a Host that cannot go into a URL', async () => {
    const token = userToken()
    const res = await rawGet(`/me/accounts?limit=1&access_token=${token}&appsecret_proof=${f.proof(token)}`, {
      host: 'bad host/"',
    })
    expect(String(res.json.paging?.next).startsWith(`${f.emu.url}/v25.0/me/accounts?`)).toBe(true)
  })
})

describe('WWW-Authenticate on OAuthException answers', () => {
  it('names invalid_token, invalid_request or not_found, and never on GraphMethodException', async () => {
    const token = userToken()
    const cases: Array<[Promise<{ headers: Headers; json: Json }>, string | null]> = [
      [f.get('/me', { access_token: 'garbage' }), 'invalid_token'],
      [f.get('/me', { fields: 'nope' }, token), 'invalid_request'],
      [f.get('/me'), 'invalid_request'],
      [f.get('/nosuchalias', {}, token), 'not_found'],
      [f.get('/me/accounts', {}, f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id })), 'invalid_request'],
      [f.get('/999999', {}, token), null],
      [f.get('/me', { access_token: token }), null],
    ]
    for (const [pending, kind] of cases) {
      const res = await pending
      const header = res.headers.get('www-authenticate')
      if (kind === null) {
        expect(res.json.error?.type).toBe('GraphMethodException')
        expect(header).toBeNull()
      } else {
        expect(res.json.error?.type).toBe('OAuthException')
        expect(header).toBe(
          `OAuth "Facebook Platform" "${kind}" "${String(res.json.error?.message).replace(/"/g, "'")}"`,
        )
      }
    }
  })

  it('keeps the header valid whatever the message echoes', async () => {
    const res = await f.get('/caf%C3%A9%0A"x', {}, userToken())
    expect(res.status).toBe(400)
    expect(res.headers.get('www-authenticate')).toMatch(/^OAuth "Facebook Platform" "not_found" "[\x20-\x7e]+"$/)
  })
})
