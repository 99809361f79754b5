import type { LimitedLoginToken } from '@tokens/core'
import Fastify from 'fastify'
import { beforeEach, describe, expect, expectTypeOf, it } from 'vitest'
import { tokens } from '../src/index.js'
import { expectRejection, type Harness, TRANSPORTS, useHarness } from './harness.js'

describe.each(TRANSPORTS)('fastify over %s: iOS Limited Login tokens', (transport) => {
  const harness = useHarness()
  let h: Harness
  let url: string
  let idToken: string

  beforeEach(async () => {
    h = harness()
    const ada = h.user()
    const app = Fastify()
    await app.register(tokens, { tokens: h.core({ limitedLogin: h.emu.coreOptions(h.app).limitedLogin }) })
    app.get('/any', async (request) => ({ type: request.token?.type ?? null }))
    app.get('/user', { preHandler: app.requireToken('user') }, async (request) => ({ type: request.token.type }))
    app.get('/me', { preHandler: app.requireToken('limited_login') }, async (request) => {
      expectTypeOf(request.token).toEqualTypeOf<LimitedLoginToken>()
      return { type: request.token.type, userId: request.token.userId, name: request.token.name }
    })
    url = await h.serve(app, transport)
    idToken = h.track(h.emu.issueLimitedLoginToken({ appId: h.app.id, userId: ada.id }))
  })

  it('requireToken("limited_login") accepts it as a typed LimitedLoginToken', async () => {
    const answer = await h.call(`${url}/me`, { token: idToken })
    expect(answer).toMatchObject({ status: 200, body: { type: 'limited_login', name: 'Ada Lovelace' } })
  })

  it('a route requiring a Graph token refuses it (401, reason limited_login), never asking Graph', async () => {
    h.emu.resetCounts()
    const answer = await h.call(`${url}/user`, { token: idToken })
    expectRejection(answer, { status: 401, error: 'invalid_token', reason: 'limited_login' })
    // The plugin verified it against the JWKS (one key fetch per process), never with debug_token.
    expect(h.emu.requestCount('/debug_token')).toBe(0)
  })

  it('the plugin alone does not sign it in; a forged one is 401 bad_signature', async () => {
    expect((await h.call(`${url}/any`, { token: idToken })).body).toEqual({ type: null })
    const [header, payload] = idToken.split('.')
    const forged = await h.call(`${url}/me`, { token: h.track(`${header}.${payload}.AAAA`) })
    expectRejection(forged, { status: 401, error: 'invalid_token', reason: 'bad_signature' })
  })
})
