import type { NodeInfo } from '@tokens/emulator'
import { beforeEach, describe, expect, it } from 'vitest'
import { expectRejection, type Harness, TRANSPORTS, useHarness } from './harness.js'
import { buildApp } from './matrix-app.js'

describe.each(TRANSPORTS)('fastify over %s: the token matrix', (transport) => {
  const harness = useHarness()
  let h: Harness
  let url: string
  let ada: NodeInfo
  let bakery: NodeInfo

  beforeEach(async () => {
    h = harness()
    ada = h.user()
    bakery = h.page(ada)
    url = await h.serve(await buildApp(h), transport)
  })

  it('no token: optional routes pass, required routes answer 401 token_required', async () => {
    expect((await h.call(`${url}/any`)).body).toEqual({ type: null })
    const answer = await h.call(`${url}/user`)
    expectRejection(answer, { status: 401, error: 'token_required', challenge: 'Bearer realm="api"' })
    expect(h.emu.requestCount('/debug_token')).toBe(0)
  })

  it('a valid user token on a user route: 200 with its user id', async () => {
    const answer = await h.call(`${url}/user`, { token: h.userToken(ada) })
    expect(answer.status).toBe(200)
    expect(answer.body).toEqual({ type: 'user', userId: ada.id })
  })

  it('a valid Page token on a page route: 200 with the page id and its admin', async () => {
    const answer = await h.call(`${url}/page`, { token: h.pageToken(ada, bakery) })
    expect(answer.status).toBe(200)
    expect(answer.body).toEqual({ type: 'page', pageId: bakery.id, userId: ada.id })
  })

  it('an app token as app_id|app_secret: verified locally, no Graph call', async () => {
    h.emu.resetCounts()
    const answer = await h.call(`${url}/app`, { token: h.track(`${h.app.id}|${h.app.secret}`) })
    expect(answer).toMatchObject({ status: 200, body: { type: 'app', appId: h.app.id } })
    expect(h.emu.requestCount('/debug_token')).toBe(0)
  })

  it('an app token from client_credentials: verified with Graph', async () => {
    h.emu.resetCounts()
    const answer = await h.call(`${url}/app`, { token: h.track(h.emu.appToken(h.app.id)) })
    expect(answer).toMatchObject({ status: 200, body: { type: 'app', appId: h.app.id } })
    expect(h.emu.requestCount('/debug_token')).toBe(1)
  })

  it('a system user token and a client token on their routes', async () => {
    const system = await h.call(`${url}/system`, { token: h.systemUserToken(ada, ['ads_read']) })
    expect(system).toMatchObject({ status: 200, body: { type: 'system_user', userId: ada.id } })
    const client = await h.call(`${url}/client`, { token: h.track(`${h.app.id}|${h.app.clientToken}`) })
    expect(client).toMatchObject({ status: 200, body: { type: 'client', appId: h.app.id } })
  })

  it('one of several types: a user or a system user passes, a Page does not', async () => {
    expect((await h.call(`${url}/people`, { token: h.userToken(ada) })).body).toEqual({ type: 'user' })
    expect((await h.call(`${url}/people`, { token: h.systemUserToken(ada) })).body).toEqual({ type: 'system_user' })
    const page = await h.call(`${url}/people`, { token: h.pageToken(ada, bakery) })
    expectRejection(page, { status: 403, error: 'insufficient_scope' })
  })

  it('the wrong type: a user token on a page route is 403 insufficient_scope', async () => {
    const answer = await h.call(`${url}/page`, { token: h.userToken(ada) })
    expectRejection(answer, {
      status: 403,
      error: 'insufficient_scope',
      challenge:
        'Bearer realm="api", error="insufficient_scope", error_description="A page token is required; this is a user token"',
    })
    const app = await h.call(`${url}/user`, { token: h.track(`${h.app.id}|${h.app.secret}`) })
    expectRejection(app, { status: 403, error: 'insufficient_scope' })
  })

  it('a missing scope: 403 insufficient_scope naming the scope; with it, 200', async () => {
    const without = await h.call(`${url}/email`, { token: h.userToken(ada, ['public_profile']) })
    expectRejection(without, { status: 403, error: 'insufficient_scope', challenge: /, scope="email"$/ })
    const withIt = await h.call(`${url}/email`, { token: h.userToken(ada, ['email']) })
    expect(withIt).toMatchObject({ status: 200, body: { userId: ada.id } })
  })

  it('an expired token (clock moved): 401 invalid_token, reason expired', async () => {
    const raw = h.userToken(ada, undefined, 'short')
    expect((await h.call(`${url}/user`, { token: raw })).status).toBe(200)
    h.emu.advanceTime(3 * 3600)
    const answer = await h.call(`${url}/user`, { token: raw })
    expectRejection(answer, { status: 401, error: 'invalid_token', reason: 'expired' })
    expect(answer.headers['www-authenticate']).toMatch(
      /^Bearer realm="api", error="invalid_token", error_description="/,
    )
  })

  it('a password change: 401 invalid_token, reason password_changed', async () => {
    const raw = h.userToken(ada)
    h.emu.invalidateToken(raw, 'password_changed')
    expectRejection(await h.call(`${url}/any`, { token: raw }), {
      status: 401,
      error: 'invalid_token',
      reason: 'password_changed',
    })
  })

  it('the user removed the app: 401 invalid_token, reason app_not_installed', async () => {
    const raw = h.userToken(ada)
    h.emu.removeApp(ada.id, h.app.id)
    expectRejection(await h.call(`${url}/user`, { token: raw }), {
      status: 401,
      error: 'invalid_token',
      reason: 'app_not_installed',
    })
  })

  it("another app's token: 401 invalid_token, reason wrong_app", async () => {
    const raw = h.userToken(ada, undefined, 'long', h.otherApp.id)
    expectRejection(await h.call(`${url}/user`, { token: raw }), {
      status: 401,
      error: 'invalid_token',
      reason: 'wrong_app',
    })
    const app = await h.call(`${url}/any`, { token: h.track(`${h.otherApp.id}|${h.otherApp.secret}`) })
    expectRejection(app, { status: 401, error: 'invalid_token', reason: 'wrong_app' })
  })

  it('garbage: 401 malformed when it looks like a token, 400 invalid_request when it cannot be one', async () => {
    const looksLike = await h.call(`${url}/any`, { token: h.track('EAAGarbageGarbageGarbageGarbage123') })
    expectRejection(looksLike, { status: 401, error: 'invalid_token', reason: 'malformed' })
    const short = await h.call(`${url}/any`, { token: h.track('abc123') })
    expectRejection(short, { status: 401, error: 'invalid_token', reason: 'malformed' })
    h.emu.resetCounts()
    const badChars = await h.call(`${url}/any`, { headers: { authorization: 'Bearer EAA"<script>' } })
    expectRejection(badChars, { status: 400, error: 'invalid_request' })
    const empty = await h.call(`${url}/any`, { headers: { authorization: 'Bearer ' } })
    expectRejection(empty, { status: 400, error: 'invalid_request' })
    expect(h.emu.requestCount('/debug_token')).toBe(0)
  })

  it('a token sent twice (header and query): 400 invalid_request, no Graph call', async () => {
    const raw = h.userToken(ada)
    h.emu.resetCounts()
    const answer = await h.call(`${url}/any?access_token=${encodeURIComponent(raw)}`, { token: raw })
    expectRejection(answer, {
      status: 400,
      error: 'invalid_request',
      challenge:
        'Bearer realm="api", error="invalid_request", error_description="The access token was sent by more than one method"',
    })
    const twiceInQuery = await h.call(`${url}/any?access_token=${raw}&access_token=${raw}`)
    expectRejection(twiceInQuery, { status: 400, error: 'invalid_request' })
    expect(h.emu.requestCount('/debug_token')).toBe(0)
  })

  it('a token in the query alone is accepted when the core allows that source', async () => {
    const answer = await h.call(`${url}/user?access_token=${encodeURIComponent(h.userToken(ada))}`)
    expect(answer).toMatchObject({ status: 200, body: { userId: ada.id } })
  })

  it('a lower-case bearer scheme is accepted; another scheme is not a token', async () => {
    const lower = await h.call(`${url}/user`, { headers: { authorization: `bearer ${h.userToken(ada)}` } })
    expect(lower).toMatchObject({ status: 200, body: { userId: ada.id } })
    const basic = await h.call(`${url}/user`, { headers: { authorization: 'Basic dXNlcjpwYXNz' } })
    expectRejection(basic, { status: 401, error: 'token_required' })
  })

  it('an oversized header: 400 invalid_request, no Graph call', async () => {
    h.emu.resetCounts()
    const answer = await h.call(`${url}/any`, { token: h.track(`EAA${'x'.repeat(9000)}`) })
    expectRejection(answer, { status: 400, error: 'invalid_request', challenge: /longer than 8192 characters/ })
    expect(h.emu.requestCount('/debug_token')).toBe(0)
  })
})
