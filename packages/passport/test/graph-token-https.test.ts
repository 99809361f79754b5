import express from 'express'
import passport from 'passport'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GraphTokenStrategy, tokensErrorHandler } from '../src/index.js'
import { type Answer, createFixture, type Fixture, request, serve } from './fixture.js'

const INSECURE =
  'Bearer realm="api", error="invalid_request", error_description="Access tokens must be sent over HTTPS"'

let f: Fixture
const servers: Array<Awaited<ReturnType<typeof serve>>> = []
const raws = new Set<string>()
const answers: Answer[] = []

beforeAll(async () => {
  f = await createFixture()
})
afterAll(async () => {
  for (const server of servers) await server.close()
  await f?.close()
  for (const raw of raws) for (const answer of answers) expect(answer.text).not.toContain(raw)
})

/** A server whose `/me` is guarded by `graph-token` (and `/json` with `failWithError`), in Express's `env`. */
async function start(env: string, options: { trustProxy?: boolean; allowInsecure?: boolean } = {}): Promise<string> {
  const auth = new passport.Passport()
  const { allowInsecure } = options
  auth.use(
    new GraphTokenStrategy({
      tokens: f.tokens,
      type: 'user',
      ...(allowInsecure === undefined ? {} : { allowInsecure }),
    }),
  )
  const app = express()
  app.set('env', env)
  if (options.trustProxy) app.set('trust proxy', true)
  app.use(auth.initialize())
  app.get('/me', auth.authenticate('graph-token', { session: false }), (req, res) => {
    res.json({ user: (req.user as { userId: string }).userId })
  })
  app.get('/json', auth.authenticate('graph-token', { session: false, failWithError: true }), (_req, res) => {
    res.json({ ok: true })
  })
  app.use(tokensErrorHandler())
  const server = await serve(app)
  servers.push(server)
  return server.url
}

async function call(url: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const raw = f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id })
  raws.add(raw)
  const answer = await request(`${url}${path}`, { headers: { authorization: `Bearer ${raw}`, ...headers } })
  answers.push(answer)
  return answer
}

describe('graph-token in production', () => {
  it('refuses a token over plain HTTP with 400 invalid_request, before any Graph call', async () => {
    const url = await start('production')
    f.emu.resetCounts()
    const plain = await call(url, '/me')
    expect(plain.status).toBe(400)
    expect(plain.headers.get('www-authenticate')).toBe(INSECURE)
    const json = await call(url, '/json')
    expect(json.status).toBe(400)
    expect(JSON.parse(json.text)).toEqual({
      error: 'invalid_request',
      error_description: 'Access tokens must be sent over HTTPS',
    })
    expect(f.emu.requestCount('/debug_token')).toBe(0)
  })

  it('does not believe X-Forwarded-Proto unless Express trusts the proxy', async () => {
    const untrusting = await start('production')
    expect((await call(untrusting, '/me', { 'x-forwarded-proto': 'https' })).status).toBe(400)
    const trusting = await start('production', { trustProxy: true })
    const behindProxy = await call(trusting, '/me', { 'x-forwarded-proto': 'https' })
    expect(behindProxy.status).toBe(200)
    expect(JSON.parse(behindProxy.text)).toEqual({ user: f.user.id })
    expect((await call(trusting, '/me', { 'x-forwarded-proto': 'http' })).headers.get('www-authenticate')).toBe(
      INSECURE,
    )
  })

  it('accepts plain HTTP with allowInsecure: true, and outside production', async () => {
    for (const url of [await start('production', { allowInsecure: true }), await start('development')]) {
      const answer = await call(url, '/me')
      expect(answer.status).toBe(200)
      expect(JSON.parse(answer.text)).toEqual({ user: f.user.id })
    }
  })
})
