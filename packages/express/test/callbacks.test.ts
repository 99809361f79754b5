import type { SignedRequestPayload, Tokens } from '@tokens/core'
import type { NodeInfo } from '@tokens/emulator'
import express, { type Express, type RequestHandler } from 'express'
import { beforeEach, describe, expect, it } from 'vitest'
import { dataDeletionCallback, deauthorizeCallback, requireToken, tokens } from '../src/index.js'
import { expectRejection, FRAMEWORKS, type Harness, useHarness } from './harness.js'

interface Seen {
  deauthorized: SignedRequestPayload[]
  deleted: Array<[string, string]>
}

function buildApp(create: () => Express, core: Tokens, seen: Seen): Express {
  const app = create()
  app.use(express.json()) // a JSON parser must not hide the form body from the callbacks
  app.use(tokens(core))
  app.get('/user', requireToken('user'), (_req, res) => {
    res.json({ ok: true })
  })
  app.post('/deauthorize', deauthorizeCallback({ onDeauthorize: (payload) => void seen.deauthorized.push(payload) }))
  app.post('/parsed/deauthorize', express.urlencoded({ extended: false }), deauthorizeCallback())
  app.post(
    '/deletion',
    dataDeletionCallback({
      statusUrl: 'https://example.com/deletion',
      onDelete: (userId, code) => void seen.deleted.push([userId, code]),
    }),
  )
  app.post(
    '/deletion-status-function',
    dataDeletionCallback({
      statusUrl: (code) => `https://example.com/deletions/${code}/status`,
      onDelete: (userId, code) => void seen.deleted.push([userId, code]),
    }),
  )
  app.post(
    '/failing-deletion',
    dataDeletionCallback({
      statusUrl: 'https://example.com/deletion',
      onDelete: () => {
        throw new Error('database down')
      },
    }),
  )
  app.post('/misconfigured', (req, res, next) => {
    req.tokens = undefined
    deauthorizeCallback()(req, res, next)
  })
  return app
}

describe.each(FRAMEWORKS)('%s: deauthorize and data deletion callbacks', (_name, create) => {
  const harness = useHarness()
  let h: Harness
  let url: string
  let ada: NodeInfo
  let seen: Seen

  beforeEach(async () => {
    h = harness()
    ada = h.user()
    seen = { deauthorized: [], deleted: [] }
    url = await h.listen(buildApp(create, h.core(), seen))
  })

  /** Verifies a token once, so that it is cached; returns it. */
  async function cachedToken(): Promise<string> {
    const raw = h.userToken(ada)
    expect((await h.call(`${url}/user`, { token: raw })).status).toBe(200)
    return raw
  }

  it('a valid deauthorize request: 200, the user is revoked and the next request asks Graph again', async () => {
    const raw = await cachedToken()
    h.emu.removeApp(ada.id, h.app.id)
    h.emu.resetCounts()
    expect((await h.call(`${url}/user`, { token: raw })).status).toBe(200) // still cached: Graph was not asked
    expect(h.emu.requestCount('/debug_token')).toBe(0)

    const answer = await h.call(`${url}/deauthorize`, {
      form: { signed_request: h.emu.signedRequest(h.app.id, { user_id: ada.id }) },
    })
    expect(answer).toMatchObject({ status: 200, body: { success: true } })
    expect(seen.deauthorized.map((p) => p.user_id)).toEqual([ada.id])

    const after = await h.call(`${url}/user`, { token: raw })
    expectRejection(after, { status: 401, error: 'invalid_token', reason: 'app_not_installed' })
    expect(h.emu.requestCount('/debug_token')).toBe(1)
  })

  it('the same callback behind express.urlencoded(): the parsed body is used', async () => {
    const signed = h.emu.signedRequest(h.app.id, { user_id: ada.id })
    expect((await h.call(`${url}/parsed/deauthorize`, { form: { signed_request: signed } })).status).toBe(200)
  })

  it('a forged request (signed with another secret): 400 invalid_request and nothing revoked', async () => {
    const raw = await cachedToken()
    h.emu.resetCounts()
    const forged = h.emu.signedRequest(h.otherApp.id, { user_id: ada.id })
    const answer = await h.call(`${url}/deauthorize`, { form: { signed_request: forged } })
    expectRejection(answer, { status: 400, error: 'invalid_request', challenge: /signature does not match/ })
    expect(seen.deauthorized).toEqual([])
    expect((await h.call(`${url}/user`, { token: raw })).status).toBe(200)
    expect(h.emu.requestCount('/debug_token')).toBe(0) // still cached: not revoked
  })

  it('a stale request: 400, nothing revoked', async () => {
    const stale = h.emu.signedRequest(h.app.id, { user_id: ada.id, issued_at: h.emu.now() - 7200 })
    const answer = await h.call(`${url}/deauthorize`, { form: { signed_request: stale } })
    expectRejection(answer, { status: 400, error: 'invalid_request', challenge: /too old/ })
    expect(seen.deauthorized).toEqual([])
  })

  it('a replayed request: the first is 200, the second 400', async () => {
    const signed = h.emu.signedRequest(h.app.id, { user_id: ada.id })
    expect((await h.call(`${url}/deauthorize`, { form: { signed_request: signed } })).status).toBe(200)
    const replay = await h.call(`${url}/deauthorize`, { form: { signed_request: signed } })
    expectRejection(replay, { status: 400, error: 'invalid_request', challenge: /already used/ })
    expect(seen.deauthorized).toHaveLength(1)
  })

  it('no signed_request, or an empty body: 400', async () => {
    expectRejection(await h.call(`${url}/deauthorize`, { form: { other: 'x' } }), {
      status: 400,
      error: 'invalid_request',
      challenge: /missing/,
    })
    expectRejection(await h.call(`${url}/deauthorize`, { method: 'POST' }), { status: 400, error: 'invalid_request' })
  })

  it('an oversized body is cut and refused with 400, not buffered', async () => {
    const answer = await h.call(`${url}/deauthorize`, { form: { signed_request: 'a'.repeat(200_000) } })
    expectRejection(answer, { status: 400, error: 'invalid_request' })
  })

  it('a valid data deletion request: onDelete runs, the user is revoked, Meta gets { url, confirmation_code }', async () => {
    await cachedToken()
    h.emu.resetCounts()
    const signed = h.emu.signedRequest(h.app.id, { user_id: ada.id, expires: h.emu.now() + 3600 })
    const answer = await h.call(`${url}/deletion`, { form: { signed_request: signed } })
    expect(answer.status).toBe(200)
    const body = answer.body as { url: string; confirmation_code: string }
    expect(Object.keys(body).sort()).toEqual(['confirmation_code', 'url'])
    expect(body.confirmation_code).toMatch(/^[A-Za-z0-9]+$/)
    expect(body.url).toBe(`https://example.com/deletion?id=${body.confirmation_code}`)
    expect(seen.deleted).toEqual([[ada.id, body.confirmation_code]])
    await h.call(`${url}/user`, { token: h.raws[0] })
    expect(h.emu.requestCount('/debug_token')).toBe(1) // revoked from the cache: Graph asked again
  })

  it('statusUrl as a function of the confirmation code builds the url Meta gets', async () => {
    const signed = h.emu.signedRequest(h.app.id, { user_id: ada.id })
    const answer = await h.call(`${url}/deletion-status-function`, { form: { signed_request: signed } })
    expect(answer.status).toBe(200)
    const body = answer.body as { url: string; confirmation_code: string }
    expect(body.url).toBe(`https://example.com/deletions/${body.confirmation_code}/status`)
    expect(seen.deleted).toEqual([[ada.id, body.confirmation_code]])
  })

  it('forged and replayed data deletion requests: 400 and onDelete does not run again', async () => {
    const forged = h.emu.signedRequest(h.otherApp.id, { user_id: ada.id })
    expectRejection(await h.call(`${url}/deletion`, { form: { signed_request: forged } }), {
      status: 400,
      error: 'invalid_request',
    })
    expect(seen.deleted).toEqual([])
    const signed = h.emu.signedRequest(h.app.id, { user_id: ada.id })
    expect((await h.call(`${url}/deletion`, { form: { signed_request: signed } })).status).toBe(200)
    expectRejection(await h.call(`${url}/deletion`, { form: { signed_request: signed } }), {
      status: 400,
      error: 'invalid_request',
    })
    expect(seen.deleted).toHaveLength(1)
  })

  it('a failing onDelete is not a token error: it reaches Express error handling (500)', async () => {
    const signed = h.emu.signedRequest(h.app.id, { user_id: ada.id })
    const answer = await h.call(`${url}/failing-deletion`, { form: { signed_request: signed } })
    expect(answer.status).toBe(500)
  })

  it('without tokens() and without the tokens option: a TypeError for Express error handling (500)', async () => {
    const signed = h.emu.signedRequest(h.app.id, { user_id: ada.id })
    expect((await h.call(`${url}/misconfigured`, { form: { signed_request: signed } })).status).toBe(500)
  })

  it('end to end: the emulator POSTs the deauthorize callback when the user removes the app', async () => {
    const app = create()
    let handler: RequestHandler = (_req, _res, next) => next()
    app.post('/meta/deauthorize', (req, res, next) => handler(req, res, next))
    const base = await h.listen(app)
    const app2 = h.emu.createApp({ name: 'Callback App', deauthorizeCallbackUrl: `${base}/meta/deauthorize` })
    const core = h.core({ appId: app2.id, appSecret: app2.secret, clientToken: app2.clientToken })
    const received = new Promise<SignedRequestPayload>((resolve) => {
      handler = deauthorizeCallback({ tokens: core, onDeauthorize: resolve })
    })
    const raw = h.track(h.emu.issueUserToken({ appId: app2.id, userId: ada.id, lifetime: 'long' }))
    await core.verify(raw) // cached from now on
    h.emu.removeApp(ada.id, app2.id)
    expect((await received).user_id).toBe(ada.id)
    await expect(core.verify(raw)).rejects.toMatchObject({ code: 'invalid_token', reason: 'app_not_installed' })
  })
})
