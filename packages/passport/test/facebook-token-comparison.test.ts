import { createRequire } from 'node:module'
import { createTokens, type Tokens } from '@tokens/core'
import type { AppInfo } from '@tokens/emulator'
import express from 'express'
import passport from 'passport'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GraphTokenStrategy } from '../src/index.js'
import { createFixture, type Fixture, request, serve } from './fixture.js'

/** passport-facebook-token 4.0.0 ships no types: only what this test uses. */
type FacebookTokenStrategyClass = new (
  options: Record<string, unknown>,
  verify: (
    accessToken: string,
    refreshToken: string,
    profile: { id: string },
    done: (e: unknown, u?: object) => void,
  ) => void,
) => passport.Strategy
const FacebookTokenStrategy = createRequire(import.meta.url)('passport-facebook-token') as FacebookTokenStrategyClass

let f: Fixture
let mine: AppInfo
let tokens: Tokens
let server: Awaited<ReturnType<typeof serve>>

beforeAll(async () => {
  f = await createFixture()
  // "Our" app for this comparison does not require appsecret_proof, like many apps.
  mine = f.emu.createApp({ name: 'Mine', requireProof: false })
  tokens = createTokens(f.emu.coreOptions(mine))
  const auth = new passport.Passport()
  const legacy = (enableProof: boolean) =>
    new FacebookTokenStrategy(
      {
        clientID: mine.id,
        clientSecret: mine.secret,
        profileURL: `${f.emu.url}/v25.0/me`,
        tokenURL: `${f.emu.url}/v25.0/oauth/access_token`,
        authorizationURL: `${f.emu.url}/v25.0/dialog/oauth`,
        // Its default adds name → middle_name, which the emulator's User node does not have.
        profileFields: ['id', 'displayName'],
        enableProof,
      },
      (_accessToken, _refreshToken, profile, done) => done(null, { facebookId: profile.id }),
    )
  auth.use('facebook-token', legacy(false))
  auth.use('facebook-token-proof', legacy(true))
  auth.use(new GraphTokenStrategy({ tokens, type: 'user' }, (token, done) => done(null, { facebookId: token.userId })))
  const app = express()
  for (const name of ['facebook-token', 'facebook-token-proof', 'graph-token']) {
    app.get(`/${name}`, auth.authenticate(name, { session: false }), (req, res) => {
      res.json(req.user)
    })
  }
  server = await serve(app)
})

afterAll(async () => {
  await server?.close()
  await tokens?.close()
  await f?.close()
})

const call = (name: string, token: string) =>
  request(`${server.url}/${name}`, { headers: { authorization: `Bearer ${token}` } })

describe('passport-facebook-token vs graph-token, against the emulator', () => {
  it('passport-facebook-token accepts a token issued to another app; graph-token refuses it', async () => {
    const foreign = f.emu.issueUserToken({ appId: f.otherApp.id, userId: f.user.id })
    const legacy = await call('facebook-token', foreign)
    expect(legacy.status).toBe(200)
    expect(JSON.parse(legacy.text)).toEqual({ facebookId: f.user.id }) // logged in as the other app's user

    const ours = await call('graph-token', foreign)
    expect(ours.status).toBe(401)
    expect(ours.headers.get('www-authenticate')).toBe(
      'Bearer realm="api", error="invalid_token", error_description="The access token was issued to another app"',
    )
  })

  it('with its default enableProof, the foreign token fails only by accident of the proof, as a 500', async () => {
    const foreign = f.emu.issueUserToken({ appId: f.otherApp.id, userId: f.user.id })
    const legacy = await call('facebook-token-proof', foreign)
    expect(legacy.status).toBe(500)
    expect(legacy.headers.get('www-authenticate')).toBeNull()
  })

  it('passport-facebook-token calls Graph on every request; graph-token once per token', async () => {
    const foreign = f.emu.issueUserToken({ appId: f.otherApp.id, userId: f.user.id })
    f.emu.resetCounts()
    for (let i = 0; i < 3; i++) await call('facebook-token', foreign)
    expect(f.emu.requestCount('/me')).toBe(3)
    for (let i = 0; i < 3; i++) await call('graph-token', foreign)
    expect(f.emu.requestCount('/debug_token')).toBe(1)
  })

  it('an expired token: passport-facebook-token answers 500, graph-token 401 with a challenge', async () => {
    const raw = f.emu.issueUserToken({ appId: mine.id, userId: f.user.id })
    expect((await call('facebook-token', raw)).status).toBe(200)
    f.emu.advanceTime(3 * 3600)
    expect((await call('facebook-token', raw)).status).toBe(500)
    const ours = await call('graph-token', raw)
    expect(ours.status).toBe(401)
    expect(ours.headers.get('www-authenticate')).toBe(
      'Bearer realm="api", error="invalid_token", error_description="The access token has expired"',
    )
  })
})
