import type { SignedRequestPayload, Tokens } from '@tokens/core'
import type { NodeInfo } from '@tokens/emulator'
import Fastify, { type FastifyInstance } from 'fastify'
import { beforeEach, describe, expect, it } from 'vitest'
import { metaCallbacks, tokens } from '../src/index.js'
import { expectRejection, type Harness, TRANSPORTS, useHarness } from './harness.js'

interface Seen {
  deauthorized: SignedRequestPayload[]
  deleted: Array<[string, string]>
}

async function buildApp(core: Tokens, seen: Seen): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(tokens, { tokens: core })
  app.get('/user', { preHandler: app.requireToken('user') }, async () => ({ ok: true }))
  await app.register(metaCallbacks, {
    deauthorize: { path: '/deauthorize', onDeauthorize: (payload) => void seen.deauthorized.push(payload) },
    dataDeletion: {
      path: '/deletion',
      statusUrl: 'https://example.com/deletion',
      onDelete: (userId, code) => void seen.deleted.push([userId, code]),
    },
  })
  await app.register(metaCallbacks, {
    dataDeletion: {
      path: '/deletion-status-function',
      statusUrl: (code) => `https://example.com/deletions/${code}/status`,
      onDelete: (userId, code) => void seen.deleted.push([userId, code]),
    },
  })
  await app.register(metaCallbacks, {
    dataDeletion: {
      path: '/failing-deletion',
      statusUrl: 'https://example.com/deletion',
      onDelete: () => {
        throw new Error('database down')
      },
    },
  })
  return app
}

describe.each(TRANSPORTS)('fastify over %s: deauthorize and data deletion callbacks', (transport) => {
  const harness = useHarness()
  let h: Harness
  let url: string
  let ada: NodeInfo
  let seen: Seen

  beforeEach(async () => {
    h = harness()
    ada = h.user()
    seen = { deauthorized: [], deleted: [] }
    url = await h.serve(await buildApp(h.core(), seen), transport)
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

  it('a JSON body that Fastify parsed is read as well (as Express reads a parsed body)', async () => {
    const signed = h.emu.signedRequest(h.app.id, { user_id: ada.id })
    const answer = await h.call(`${url}/deauthorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ signed_request: signed }),
    })
    expect(answer.status).toBe(200)
    expect(seen.deauthorized).toHaveLength(1)
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

  it('signed_request sent twice in the form: 400, nothing revoked', async () => {
    const signed = h.emu.signedRequest(h.app.id, { user_id: ada.id })
    const body = `signed_request=${encodeURIComponent(signed)}&signed_request=${encodeURIComponent(signed)}`
    const answer = await h.call(`${url}/deauthorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    })
    expectRejection(answer, { status: 400, error: 'invalid_request' })
    expect(seen.deauthorized).toEqual([])
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

  it('an oversized body is refused by Fastify (413) before it is parsed', async () => {
    const answer = await h.call(`${url}/deauthorize`, { form: { signed_request: 'a'.repeat(200_000) } })
    expect(answer.status).toBe(413)
    expect(seen.deauthorized).toEqual([])
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

  it('a failing onDelete is not a token error: it reaches Fastify error handling (500)', async () => {
    const signed = h.emu.signedRequest(h.app.id, { user_id: ada.id })
    const answer = await h.call(`${url}/failing-deletion`, { form: { signed_request: signed } })
    expect(answer.status).toBe(500)
  })
})

describe('metaCallbacks at startup', () => {
  it('without the tokens plugin and without the tokens option, or without routes: a TypeError naming the fix', async () => {
    await expect(
      Fastify()
        .register(metaCallbacks, { deauthorize: { path: '/d' } })
        .ready(),
    ).rejects.toThrow(/register the tokens plugin before it, or pass the `tokens` option/)
    await expect(Fastify().register(metaCallbacks, {}).ready()).rejects.toThrow(/pass `deauthorize`, `dataDeletion`/)
    await expect(
      Fastify()
        .register(metaCallbacks, {
          tokens: { appId: '1234', appSecret: 'app-secret-value' },
          dataDeletion: { path: '/x', onDelete: () => {} } as never,
        })
        .ready(),
    ).rejects.toThrow(/statusUrl/)
  })

  it('beside an app-wide form parser (another body limit), its own parser and limit apply to its routes only', async () => {
    const app = Fastify()
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
      done(null, { parsedBy: 'app', body }),
    )
    await app.register(metaCallbacks, {
      tokens: { appId: '1234', appSecret: 'app-secret-value' },
      deauthorize: { path: '/meta/deauthorize' },
      bodyLimit: 10,
    })
    app.post('/form', async (request) => request.body)
    const form = { 'content-type': 'application/x-www-form-urlencoded' }
    const other = await app.inject({ method: 'POST', url: '/form', headers: form, payload: 'a=1' })
    expect(other.json()).toEqual({ parsedBy: 'app', body: 'a=1' })
    const big = await app.inject({ method: 'POST', url: '/meta/deauthorize', headers: form, payload: 'a'.repeat(50) })
    expect(big.statusCode).toBe(413)
    await app.close()
  })
})
