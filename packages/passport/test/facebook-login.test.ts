import { createTokens, MemoryStore, type PageToken, type Tokens, type UserToken } from '@tokens/core'
import { type AppInfo, type Emulator, type NodeInfo, startEmulator } from '@tokens/emulator'
import type { Profile } from 'passport-facebook'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  type FacebookLoginAuthenticateOptions,
  type FacebookLoginOptions,
  FacebookLoginStrategy,
} from '../src/index.js'
import { Browser, followRedirect, loginThroughDialog } from './browser.js'
import { loginApp, START, serve } from './fixture.js'

interface Login {
  userToken: UserToken
  pageTokens: PageToken[]
  profile: Profile
}

let emu: Emulator
let ada: NodeInfo
let pages: NodeInfo[]
let fbApp: AppInfo
let tokens: Tokens
let store: MemoryStore
let server: Awaited<ReturnType<typeof serve>>
let logins: Login[]

beforeEach(async () => {
  emu = await startEmulator({ now: START, freezeClock: true, callBudgetPerHour: 100_000 })
  ada = emu.createUser({ name: 'Ada Lovelace', email: 'ada@example.com' })
  pages = [1, 2, 3].map((n) => emu.createPage({ name: `Page ${n}`, admins: [ada.id] }))
  logins = []

  const { app, auth } = loginApp()
  app.get('/auth/facebook', auth.authenticate('facebook'))
  const rerequest: FacebookLoginAuthenticateOptions = { authType: 'rerequest' }
  app.get('/auth/facebook/rerequest', auth.authenticate('facebook', rerequest))
  app.get(
    '/auth/facebook/callback',
    auth.authenticate('facebook', { failureRedirect: '/login', successRedirect: '/me' }),
  )
  app.get('/auth/plain', auth.authenticate('plain'))
  app.get('/auth/plain/callback', auth.authenticate('plain', { failureRedirect: '/login', successRedirect: '/me' }))
  app.get('/auth/lean', auth.authenticate('lean'))
  app.get('/auth/lean/callback', auth.authenticate('lean', { failureRedirect: '/login', successRedirect: '/me' }))
  app.get('/auth/kept', auth.authenticate('kept'))
  app.get('/auth/kept/callback', auth.authenticate('kept', { failureRedirect: '/login', successRedirect: '/me' }))
  // Redirects that already have a fragment, and the app's own redirect after Passport's.
  app.get('/auth/anchored', auth.authenticate('anchored'))
  app.get(
    '/auth/anchored/callback',
    auth.authenticate('anchored', { failureRedirect: '/login#denied', successRedirect: '/me#welcome' }),
  )
  // successReturnToOrRedirect: back to where the user was (req.session.returnTo) when the login started.
  app.get(
    '/auth/returning',
    (req, _res, next) => {
      Object.assign(req.session, { returnTo: '/pages?tab=posts' })
      next()
    },
    auth.authenticate('returning'),
  )
  app.get(
    '/auth/returning/callback',
    auth.authenticate('returning', { successReturnToOrRedirect: '/me', keepSessionInfo: true }),
  )
  app.get('/auth/own', auth.authenticate('own'))
  app.get('/auth/own/callback', auth.authenticate('own', { failureRedirect: '/login' }), (_req, res) => {
    res.redirect('/me')
  })
  app.get('/me', (req, res) => {
    if (req.user) res.json(req.user)
    else res.status(401).json({ error: 'not logged in' })
  })
  app.get('/login', (_req, res) => {
    res.send('login page')
  })
  server = await serve(app)

  fbApp = emu.createApp({
    name: 'Login Test',
    redirectUris: ['facebook', 'plain', 'lean', 'kept', 'anchored', 'returning', 'own'].map(
      (name) => `${server.url}/auth/${name}/callback`,
    ),
  })
  store = new MemoryStore()
  tokens = createTokens({ ...emu.coreOptions(fbApp), store, retries: 0 })
  const common: FacebookLoginOptions = {
    clientID: fbApp.id,
    clientSecret: fbApp.secret,
    callbackURL: `${server.url}/auth/facebook/callback`,
    scope: ['email', 'pages_show_list'],
    profileFields: ['id', 'displayName', 'emails'],
    graphUrl: emu.url,
    dialogUrl: emu.url,
    tokens,
  }
  const verify = (
    userToken: UserToken,
    pageTokens: PageToken[],
    profile: Profile,
    done: (e: unknown, u?: object) => void,
  ) => {
    logins.push({ userToken, pageTokens, profile })
    done(null, { id: userToken.userId, name: profile.displayName, pages: pageTokens.length })
  }
  auth.use(new FacebookLoginStrategy(common, verify))
  const plain = {
    ...common,
    callbackURL: `${server.url}/auth/plain/callback`,
    state: false,
    authType: 'rerequest' as const,
  }
  auth.use('plain', new FacebookLoginStrategy(plain, verify))
  const lean = {
    ...common,
    callbackURL: `${server.url}/auth/lean/callback`,
    longLived: false,
    fetchPages: false,
    passReqToCallback: true as const,
  }
  const kept = { ...common, callbackURL: `${server.url}/auth/kept/callback`, clearFragment: false }
  auth.use('kept', new FacebookLoginStrategy(kept, verify))
  for (const name of ['anchored', 'returning', 'own']) {
    auth.use(name, new FacebookLoginStrategy({ ...common, callbackURL: `${server.url}/auth/${name}/callback` }, verify))
  }
  auth.use(
    'lean',
    new FacebookLoginStrategy(lean, (req, userToken, pageTokens, profile, done) => {
      expect(req.path).toBe('/auth/lean/callback')
      verify(userToken, pageTokens, profile, done)
    }),
  )
})

afterEach(async () => {
  await server.close()
  await tokens.close()
  await emu.close()
})

/** Opens the dialog from the app, submits the consent form, and lands back on the app's callback. */
function login(browser: Browser, { start = '/auth/facebook', decision = 'allow', decline = [] as string[] } = {}) {
  return loginThroughDialog(browser, `${server.url}${start}`, { decision, decline })
}

function expectNoRawTokens(browser: Browser) {
  const raws = logins.flatMap((l) => [l.userToken.value, ...l.pageTokens.map((p) => p.value)])
  expect(raws.length).toBeGreaterThan(0)
  for (const answer of browser.answers) {
    for (const raw of raws) {
      expect(answer.text).not.toContain(raw)
      for (const [, value] of answer.headers) expect(value).not.toContain(raw)
    }
  }
}

describe('facebook: the login flow over real HTTP', () => {
  it('Allow → callback → verify(long-lived UserToken, every PageToken, profile) → session', async () => {
    const browser = new Browser()
    const { dialogUrl, landed } = await login(browser)
    expect(`${dialogUrl.origin}${dialogUrl.pathname}`).toBe(`${emu.url}/v25.0/dialog/oauth`)
    expect(dialogUrl.searchParams.get('client_id')).toBe(fbApp.id)
    expect(dialogUrl.searchParams.get('scope')).toBe('email,pages_show_list')
    expect(dialogUrl.searchParams.get('state')).toMatch(/.{8,}/)

    expect(landed.status).toBe(302)
    expect(landed.headers.get('location')).toBe('/me#')
    expect(logins).toHaveLength(1)
    const { userToken, pageTokens, profile } = logins[0]!
    expect(userToken.type).toBe('user')
    expect(userToken.appId).toBe(fbApp.id)
    expect(userToken.userId).toBe(ada.id)
    expect(userToken.lifetime).toBe('long')
    expect(userToken.expiresAt!.getTime()).toBeGreaterThan((START + 50 * 86_400) * 1000)
    expect(userToken.scopes).toEqual(expect.arrayContaining(['email', 'pages_show_list']))
    expect(pageTokens.map((p) => p.pageId).sort()).toEqual(pages.map((p) => p.id).sort())
    for (const page of pageTokens) {
      expect(page.type).toBe('page')
      expect(page.lifetime).toBe('never')
      expect(page.userId).toBe(ada.id)
    }
    expect(profile).toMatchObject({ provider: 'facebook', id: ada.id, displayName: 'Ada Lovelace' })
    expect(profile.emails?.[0]?.value).toBe('ada@example.com')

    // Saved in the store: the long-lived user token and every Page token.
    expect((await store.findUserToken(fbApp.id, ada.id))?.value).toBe(userToken.value)
    const saved = await store.listPageTokens(fbApp.id, ada.id)
    expect(saved.map((s) => s.value).sort()).toEqual(pageTokens.map((p) => p.value).sort())

    // Graph calls: code exchange + long-lived exchange, one debug_token, one /me, one /me/accounts.
    expect(emu.requestCount('/oauth/access_token')).toBe(2)
    expect(emu.requestCount('/debug_token')).toBe(1)
    expect(emu.requestCount('/me')).toBe(1)
    expect(emu.requestCount('/me/accounts')).toBe(1)

    const me = await browser.get(`${server.url}/me`)
    expect(me.status).toBe(200)
    expect(JSON.parse(me.text)).toEqual({ id: ada.id, name: 'Ada Lovelace', pages: 3 })
    expect(JSON.stringify(logins[0])).not.toContain(userToken.value)
    expectNoRawTokens(browser)
  })

  it('Cancel → failureRedirect, no exception, no verify, no session', async () => {
    const browser = new Browser()
    const { callbackUrl, landed } = await login(browser, { decision: 'cancel' })
    expect(new URL(callbackUrl).searchParams.get('error')).toBe('access_denied')
    expect(landed.status).toBe(302)
    expect(landed.headers.get('location')).toBe('/login#')
    expect(logins).toHaveLength(0)
    expect((await browser.get(`${server.url}/me`)).status).toBe(401)
    expect(emu.requestCount('/oauth/access_token')).toBe(0)
  })

  it('a replayed callback is refused by the state check (failureRedirect)', async () => {
    const browser = new Browser()
    const { callbackUrl, landed } = await login(browser)
    expect(landed.headers.get('location')).toBe('/me#')
    const attacker = new Browser()
    for (const who of [browser, attacker]) {
      const replay = await who.get(callbackUrl)
      expect(replay.status).toBe(302)
      expect(replay.headers.get('location')).toBe('/login#')
    }
    expect(logins).toHaveLength(1)
  })

  it('without state, a reused code is refused by Graph and ends at failureRedirect, not a 500', async () => {
    const browser = new Browser()
    const { callbackUrl, landed } = await login(browser, { start: '/auth/plain' })
    expect(landed.headers.get('location')).toBe('/me#')
    const before = emu.requestCount('/oauth/access_token')
    const replay = await new Browser().get(callbackUrl)
    expect(emu.requestCount('/oauth/access_token')).toBe(before + 1) // Graph saw the code and refused it
    expect(replay.status).toBe(302)
    expect(replay.headers.get('location')).toBe('/login#')
    expect(logins).toHaveLength(1)
  })

  it('declined permissions: not asked again, until authType rerequest', async () => {
    const browser = new Browser()
    await login(browser, { decline: ['email'] })
    expect(logins[0]!.userToken.hasScope('email')).toBe(false)
    expect(logins[0]!.userToken.hasScope('pages_show_list')).toBe(true)

    await login(browser)
    expect(logins[1]!.userToken.hasScope('email')).toBe(false)

    const { dialogUrl } = await login(browser, { start: '/auth/facebook/rerequest' })
    expect(dialogUrl.searchParams.get('auth_type')).toBe('rerequest')
    expect(logins[2]!.userToken.hasScope('email')).toBe(true)
  })

  it('the authType option applies to every dialog of the strategy', async () => {
    const { dialogUrl } = await login(new Browser(), { start: '/auth/plain' })
    expect(dialogUrl.searchParams.get('auth_type')).toBe('rerequest')
    expect(dialogUrl.searchParams.get('state')).toBeNull()
  })

  it('without pages_show_list, no Page call is made and pageTokens is empty', async () => {
    const browser = new Browser()
    const { landed } = await login(browser, { decline: ['pages_show_list'] })
    expect(landed.headers.get('location')).toBe('/me#')
    expect(logins[0]!.pageTokens).toEqual([])
    expect(emu.requestCount('/me/accounts')).toBe(0)
  })

  it('longLived: false and fetchPages: false keep the short-lived token and fetch no Pages (passReqToCallback)', async () => {
    const { landed } = await login(new Browser(), { start: '/auth/lean' })
    expect(landed.headers.get('location')).toBe('/me#')
    expect(logins[0]!.userToken.lifetime).toBe('short')
    expect(logins[0]!.pageTokens).toEqual([])
    expect(emu.requestCount('/oauth/access_token')).toBe(1)
    expect(emu.requestCount('/me/accounts')).toBe(0)
    expect(await store.findUserToken(fbApp.id, ada.id)).toBeUndefined()
  })

  it('Graph down while fetching the Pages: 503 with Retry-After, not 500 or 400; no verify, no session', async () => {
    emu.setFaults({ status: 500, paths: ['/me/accounts'] })
    const browser = new Browser()
    const { landed } = await login(browser)
    expect(landed.status).toBe(503)
    expect(landed.headers.get('retry-after')).toMatch(/^\d+$/)
    expect(logins).toHaveLength(0)
    emu.setFaults({ errorCode: 4, paths: ['/me/accounts'] }) // throttled: Graph answers 400
    const throttled = await login(browser)
    expect(throttled.landed.status).toBe(503)
    emu.setFaults(null)
    expect((await browser.get(`${server.url}/me`)).status).toBe(401)
  })
})

describe("facebook: Facebook's #_=_ fragment", () => {
  it('Allow and Cancel: the callback ends the login with an empty fragment, so #_=_ is not carried over', async () => {
    for (const [decision, page] of [
      ['allow', '/me'],
      ['cancel', '/login'],
    ] as const) {
      const { callbackUrl, landed } = await login(new Browser(), { decision })
      expect(new URL(callbackUrl).hash).toBe('#_=_') // what the emulator appends, as Facebook does
      expect(landed.status).toBe(302)
      expect(landed.headers.get('location')).toBe(`${page}#`)
      const shown = followRedirect(callbackUrl, landed.headers.get('location') ?? '')
      expect(shown.href).toBe(`${server.url}${page}#`)
      expect(shown.href).not.toContain('_=_')
    }
  })

  it('successReturnToOrRedirect: the returnTo URL gets the empty fragment too', async () => {
    const { landed } = await login(new Browser(), { start: '/auth/returning' })
    expect(landed.headers.get('location')).toBe('/pages?tab=posts#')
  })

  it("a redirect that has a fragment, and the app's own redirects, are left alone", async () => {
    for (const [decision, page] of [
      ['allow', '/me#welcome'],
      ['cancel', '/login#denied'],
    ] as const) {
      const { landed } = await login(new Browser(), { start: '/auth/anchored', decision })
      expect(landed.headers.get('location')).toBe(page)
    }
    const own = await login(new Browser(), { start: '/auth/own' })
    expect(own.landed.headers.get('location')).toBe('/me')
    const cancelled = await login(new Browser(), { start: '/auth/own', decision: 'cancel' })
    expect(cancelled.landed.headers.get('location')).toBe('/login#')
  })

  it('clearFragment: false leaves the redirects as they are (the browser keeps #_=_)', async () => {
    const { callbackUrl, landed } = await login(new Browser(), { start: '/auth/kept' })
    expect(landed.headers.get('location')).toBe('/me')
    expect(followRedirect(callbackUrl, '/me').hash).toBe('#_=_')
    const cancelled = await login(new Browser(), { start: '/auth/kept', decision: 'cancel' })
    expect(cancelled.landed.headers.get('location')).toBe('/login')
  })
})
