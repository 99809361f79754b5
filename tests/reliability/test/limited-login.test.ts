import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADAPTERS } from './adapters.js'
import { type Answer, World } from './world.js'

/**
 * An iOS Limited Login ID token names a person but cannot call Graph: every adapter refuses it where a
 * Graph access token is required (401 invalid_token, reason limited_login; never sent to Graph), ignores it where a token is optional, and accepts it only on a route that
 * names `limited_login` — as a typed LimitedLoginToken, verified against the emulator's JWKS.
 */
function body(answer: Answer): Record<string, unknown> {
  return JSON.parse(answer.text) as Record<string, unknown>
}

describe.each(ADAPTERS)('%s: an iOS Limited Login token is never a Graph access token', (adapter) => {
  let w: World
  let url: string
  let idToken: string

  beforeAll(async () => {
    w = await World.start()
    url = await w.serve(adapter, w.core({ limitedLogin: w.emu.coreOptions(w.app).limitedLogin }))
    idToken = w.emu.issueLimitedLoginToken({ appId: w.app.id, userId: w.user.id, lifetime: 24 * 3600 })
    w.leaks.remember(idToken)
  })
  afterAll(async () => {
    await w.close()
  })

  it('routes that require a Graph token refuse it: 401 invalid_token, reason limited_login, never asking Graph', async () => {
    const before = w.emu.requestCount('/debug_token')
    for (const path of ['/any', '/user']) {
      for (const method of ['GET', 'POST']) {
        const answer = await w.send(url, { method, path, headers: { authorization: `Bearer ${idToken}` } })
        expect(answer.status).toBe(401)
        expect(body(answer)).toMatchObject({ error: 'invalid_token', reason: 'limited_login' })
        expect(answer.headers['www-authenticate']).toContain('error="invalid_token"')
      }
    }
    expect(w.emu.requestCount('/debug_token')).toBe(before)
  })

  it('a route that names limited_login accepts it as the person it names', async () => {
    for (const method of ['GET', 'POST']) {
      const answer = await w.send(url, {
        method,
        path: '/limited-login',
        headers: { authorization: `Bearer ${idToken}` },
      })
      expect(answer.status).toBe(200)
      expect(body(answer)).toEqual({ type: 'limited_login', appId: w.app.id, userId: w.user.id })
    }
  })

  it('a route that names limited_login refuses a Graph user token (403) and a forged ID token (401 bad_signature)', async () => {
    expect((await w.get(url, '/limited-login', w.userToken())).status).toBe(403)
    const [header, payload] = idToken.split('.')
    const forged = await w.get(url, '/limited-login', `${header}.${payload}.AAAA`)
    expect(forged.status).toBe(401)
    expect(body(forged)).toMatchObject({ error: 'invalid_token', reason: 'bad_signature' })
  })

  it('a route that names limited_login refuses a token of another app (401 wrong_app)', async () => {
    const other = w.emu.issueLimitedLoginToken({ appId: w.otherApp.id, userId: w.user.id })
    const answer = await w.get(url, '/limited-login', other)
    expect(answer.status).toBe(401)
    expect(body(answer)).toMatchObject({ reason: 'wrong_app' })
  })

  it.skipIf(adapter === 'passport')('a route that only optionally authenticates sees no token', async () => {
    const answer = await w.get(url, '/optional', idToken)
    expect(answer.status).toBe(200)
    expect(body(answer)).toEqual({ token: null })
  })
})
