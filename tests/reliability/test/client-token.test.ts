import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADAPTERS } from './adapters.js'
import { type Answer, World } from './world.js'

/**
 * A client token (`{app_id}|{client_token}`) ships inside every copy of the app: anyone who unpacks
 * the app has it. It identifies the app, never a person, so it must sign nobody in: refused where a
 * token is required without naming `client`, ignored (no token) where a token is optional, and
 * accepted only where a route names `client`.
 */
function body(answer: Answer): Record<string, unknown> {
  return JSON.parse(answer.text) as Record<string, unknown>
}

describe.each(ADAPTERS)('%s: the public client token signs nobody in', (adapter) => {
  let w: World
  let url: string
  let clientToken: string

  beforeAll(async () => {
    w = await World.start()
    url = await w.serve(adapter, w.core())
    clientToken = `${w.app.id}|${w.app.clientToken}`
  })
  afterAll(async () => {
    await w.close()
  })

  it('a route that requires any token (no type named) refuses it: 401 invalid_token, reason client_token', async () => {
    for (const method of ['GET', 'POST']) {
      const answer = await w.send(url, { method, path: '/any', headers: { authorization: `Bearer ${clientToken}` } })
      expect(answer.status).toBe(401)
      expect(body(answer)).toMatchObject({ error: 'invalid_token', reason: 'client_token' })
      expect(answer.headers['www-authenticate']).toContain('error="invalid_token"')
    }
  })

  it('a route that requires a user token refuses it with the same answer', async () => {
    const answer = await w.get(url, '/user', clientToken)
    expect(answer.status).toBe(401)
    expect(body(answer)).toMatchObject({ error: 'invalid_token', reason: 'client_token' })
  })

  it('a route that names client accepts it, as a client token', async () => {
    const answer = await w.get(url, '/client', clientToken)
    expect(answer.status).toBe(200)
    expect(body(answer)).toEqual({ type: 'client', appId: w.app.id, userId: null })
  })

  it('a route that names client still refuses a user token (the route is not a catch-all)', async () => {
    const answer = await w.get(url, '/client', w.userToken())
    expect(answer.status).toBe(403)
    expect(body(answer)).toMatchObject({ error: 'insufficient_scope' })
  })

  it('nothing of it costs a Graph call (decided locally, in constant time)', async () => {
    const before = w.emu.requestCount()
    for (const path of ['/any', '/user', '/client']) await w.get(url, path, clientToken)
    expect(w.emu.requestCount()).toBe(before)
  })

  // Passport has no optional authentication of its own (graph-token always requires a token).
  it.skipIf(adapter === 'passport')(
    'a route that only optionally authenticates sees no token at all: a client token is not a sign-in',
    async () => {
      const user = await w.get(url, '/optional', w.userToken()) // the route does see real tokens
      expect(body(user)).toEqual({ token: { type: 'user', appId: w.app.id, userId: w.user.id } })
      for (const method of ['GET', 'POST']) {
        const answer = await w.send(url, {
          method,
          path: '/optional',
          headers: { authorization: `Bearer ${clientToken}` },
        })
        expect(answer.status).toBe(200)
        expect(body(answer)).toEqual({ token: null })
      }
    },
  )
})
