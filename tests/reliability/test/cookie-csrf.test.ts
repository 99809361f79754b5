import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADAPTERS } from './adapters.js'
import { type Answer, World } from './world.js'

/**
 * A token in a cookie travels with every request the browser makes to the API, including the form
 * post a page on another site makes it send (CSRF). With `tokenSources: { cookie }`, an unsafe
 * request (POST) the browser marks as cross-site (`Sec-Fetch-Site`, or, from browsers without it, an
 * `Origin` that is not the API's own) must not be signed in by the cookie: 400 invalid_request. The
 * same request from the API's own origin, from a client that is not a browser, a safe GET, or an app
 * that opted out (`allowCrossSiteCookies: true`) is accepted.
 */
const COOKIE = 'fb_token'

function expectRefused(answer: Answer): void {
  expect(answer.status).toBe(400)
  expect(JSON.parse(answer.text)).toMatchObject({ error: 'invalid_request' })
  expect(answer.headers['www-authenticate']).toMatch(/error="invalid_request"/)
}

describe.each(ADAPTERS)('%s: a cross-site POST cannot sign in with the cookie', (adapter) => {
  let w: World
  let url: string
  let relaxed: string
  let token: string

  beforeAll(async () => {
    w = await World.start()
    url = await w.serve(adapter, w.core({ tokenSources: { cookie: COOKIE } }))
    relaxed = await w.serve(adapter, w.core({ tokenSources: { cookie: COOKIE }, allowCrossSiteCookies: true }))
    token = w.userToken()
  })
  afterAll(async () => {
    await w.close()
  })

  function post(base: string, headers: Record<string, string>, method = 'POST'): Promise<Answer> {
    return w.send(base, { method, path: '/user', headers: { cookie: `${COOKIE}=${token}`, ...headers } })
  }

  const host = () => new URL(url).host
  const crossSite: Array<[string, () => Record<string, string>]> = [
    ['Sec-Fetch-Site: cross-site', () => ({ 'sec-fetch-site': 'cross-site' })],
    ['Sec-Fetch-Site: same-site (a sibling subdomain)', () => ({ 'sec-fetch-site': 'same-site' })],
    [
      'Sec-Fetch-Site: cross-site, with our own Origin',
      () => ({ 'sec-fetch-site': 'cross-site', origin: `http://${host()}` }),
    ],
    ['no Sec-Fetch-Site, Origin: http://evil.example', () => ({ origin: 'http://evil.example' })],
    ['no Sec-Fetch-Site, Origin: null (a sandboxed frame)', () => ({ origin: 'null' })],
    [
      'no Sec-Fetch-Site, an Origin on another port of our host',
      () => ({ origin: `http://${new URL(url).hostname}:1` }),
    ],
  ]

  it.each(crossSite)('%s: 400 invalid_request, the handler never runs', async (_name, headers) => {
    expectRefused(await post(url, headers()))
  })

  const sameOrigin: Array<[string, () => Record<string, string>]> = [
    ['Sec-Fetch-Site: same-origin', () => ({ 'sec-fetch-site': 'same-origin' })],
    ['Sec-Fetch-Site: none (typed by the user)', () => ({ 'sec-fetch-site': 'none' })],
    ['no Sec-Fetch-Site, an Origin equal to the Host', () => ({ origin: `http://${host()}` })],
    ['a client that is not a browser (neither header)', () => ({})],
  ]

  it.each(sameOrigin)('%s: accepted', async (_name, headers) => {
    const answer = await post(url, headers())
    expect(answer.status).toBe(200)
    expect(JSON.parse(answer.text)).toEqual({ type: 'user', appId: w.app.id, userId: w.user.id })
  })

  it('a cross-site GET (a safe method) is accepted', async () => {
    expect((await post(url, { 'sec-fetch-site': 'cross-site', origin: 'http://evil.example' }, 'GET')).status).toBe(200)
  })

  it('a cross-site POST with the token in the Authorization header (which no other site can set) is accepted', async () => {
    const answer = await w.send(url, {
      method: 'POST',
      path: '/user',
      headers: { authorization: `Bearer ${token}`, 'sec-fetch-site': 'cross-site', origin: 'http://evil.example' },
    })
    expect(answer.status).toBe(200)
  })

  it('with allowCrossSiteCookies: true, the cross-site POST is accepted (the app checks CSRF itself)', async () => {
    for (const [, headers] of crossSite) expect((await post(relaxed, headers())).status).toBe(200)
  })
})
