import type { AppInfo } from '@tokens/emulator'
import { FacebookLoginStrategy, tokensErrorHandler } from '@tokens/passport'
import passport from 'passport'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADAPTERS } from './adapters.js'
import { type Answer, express, lastResort, listen, World } from './world.js'

function body(answer: Answer): Record<string, unknown> {
  return JSON.parse(answer.text) as Record<string, unknown>
}

describe.each(ADAPTERS)('%s: a token issued to another app is refused', (adapter) => {
  let w: World
  let url: string

  beforeAll(async () => {
    w = await World.start()
    url = await w.serve(adapter, w.core({ tokenSources: { header: true, query: true } }))
  })
  afterAll(async () => {
    await w.close()
  })

  it('our own token gets in (the routes work)', async () => {
    const answer = await w.get(url, '/user', w.userToken())
    expect(answer.status).toBe(200)
    expect(body(answer)).toEqual({ type: 'user', appId: w.app.id, userId: w.user.id })
  })

  it("another app's user token: 401 wrong_app, the first time and once cached, on every route and source", async () => {
    const foreign = w.userToken(w.otherApp.id)
    for (let round = 0; round < 2; round++) {
      for (const path of ['/user', '/any']) {
        const answer = await w.get(url, path, foreign)
        expect(answer.status).toBe(401)
        expect(body(answer)).toMatchObject({ error: 'invalid_token', reason: 'wrong_app' })
        expect(answer.headers['www-authenticate']).toContain('error="invalid_token"')
      }
      const viaQuery = await w.send(url, { path: `/any?access_token=${encodeURIComponent(foreign)}` })
      expect(viaQuery.status).toBe(401)
    }
  })

  it("another app's Page and system-user tokens, app token and client token: 401 wrong_app", async () => {
    const page = w.emu.issuePageToken({
      appId: w.otherApp.id,
      userId: w.user.id,
      pageId: w.page.id,
      lifetime: 'long',
    })
    const system = w.emu.issueSystemUserToken({ appId: w.otherApp.id, userId: w.user.id, expiresIn: 0 })
    const foreign = [
      page,
      system,
      w.emu.appToken(w.otherApp.id),
      `${w.otherApp.id}|${w.otherApp.secret}`,
      `${w.otherApp.id}|${w.otherApp.clientToken}`,
    ]
    for (const raw of foreign) {
      const answer = await w.get(url, '/any', raw)
      expect(answer.status).toBe(401)
      expect(body(answer)).toMatchObject({ error: 'invalid_token', reason: 'wrong_app' })
    }
  })

  it("our app id with another app's secret is not an app token of ours", async () => {
    const answer = await w.get(url, '/any', `${w.app.id}|${w.otherApp.secret}`)
    expect(answer.status).toBe(401)
    expect(body(answer)).toMatchObject({ error: 'invalid_token' })
  })
})

/**
 * The login strategy never takes a token from the client: it exchanges the dialog's code with our app's
 * id and secret, then has the core (for that same app id, or construction fails) verify the token Graph
 * returned. What an attacker can substitute is the code: one the dialog issued to another app (whose
 * redirect URIs may name our callback), delivered to our callback.
 */
describe('passport FacebookLoginStrategy: a login code issued to another app is refused', () => {
  let w: World
  let url: string
  let ours: AppInfo
  let theirs: AppInfo
  const logins: Array<{ appId: string; userId: string }> = []

  beforeAll(async () => {
    w = await World.start()
    const auth = new passport.Passport()
    const app = express()
    app.use(auth.initialize())
    app.get(
      '/auth/facebook/callback',
      auth.authenticate('facebook', { session: false, failureRedirect: '/login' }),
      (req, res) => {
        res.json(req.user)
      },
    )
    app.use(tokensErrorHandler())
    app.use(lastResort)
    const server = await listen(app)
    w.adopt(server)
    url = server.url
    const callbackURL = `${url}/auth/facebook/callback`
    ours = w.emu.createApp({ name: 'Reliability Login', redirectUris: [callbackURL] })
    theirs = w.emu.createApp({ name: 'Somebody Else Login', redirectUris: [callbackURL] })
    const tokens = w.core({ appId: ours.id, appSecret: ours.secret, clientToken: ours.clientToken })
    const options = {
      clientID: ours.id,
      clientSecret: ours.secret,
      callbackURL,
      graphUrl: w.emu.url,
      dialogUrl: w.emu.url,
    }
    auth.use(
      new FacebookLoginStrategy({ ...options, tokens, state: false }, (userToken, _pages, _profile, done) => {
        logins.push({ appId: userToken.appId, userId: userToken.userId })
        done(null, { appId: userToken.appId, userId: userToken.userId })
      }),
    )
  })
  afterAll(async () => {
    await w.close()
  })

  /** What the dialog sends the browser back with after the user allowed `app`: the callback URL with a code. */
  async function allow(app: AppInfo): Promise<string> {
    const form = new URLSearchParams({
      client_id: app.id,
      redirect_uri: `${url}/auth/facebook/callback`,
      scope: 'public_profile',
      user_id: w.user.id,
      decision: 'allow',
    })
    const answer = await fetch(`${w.emu.url}/v25.0/dialog/oauth`, { method: 'POST', body: form, redirect: 'manual' })
    expect(answer.status).toBe(302)
    const location = new URL(answer.headers.get('location') ?? '')
    expect(location.searchParams.get('code')).toBeTruthy()
    return `${location.pathname}${location.search}`
  }

  it("our app's code logs the user in (the route works)", async () => {
    const answer = await w.send(url, { path: await allow(ours) })
    expect(answer.status).toBe(200)
    expect(JSON.parse(answer.text)).toEqual({ appId: ours.id, userId: w.user.id })
    expect(logins).toEqual([{ appId: ours.id, userId: w.user.id }])
  })

  it("another app's code for our callback logs nobody in: Graph will not exchange it with our secret", async () => {
    logins.length = 0
    const exchanges = w.emu.requestCount('/oauth/access_token')
    const answer = await w.send(url, { path: await allow(theirs) })
    expect(w.emu.requestCount('/oauth/access_token')).toBe(exchanges + 1) // Graph saw the code and refused it
    expect(logins).toEqual([])
    expect(answer.status).not.toBe(200)
    expect(answer.text).not.toContain(w.user.id)
  })

  // Graph refuses the exchange with code 100 and no subcode ("Invalid verification code format."): a
  // failed login, like a spent code (36007, 36009), never passport-facebook's 500.
  it('…and ends at failureRedirect like any refused code, not in a 500', async () => {
    const answer = await w.send(url, { path: await allow(theirs) })
    expect(answer.status).toBe(302)
    expect(answer.headers.location).toMatch(/^\/login/)
  })
})
