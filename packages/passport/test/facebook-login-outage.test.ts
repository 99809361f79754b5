import { createServer as createHttpServer, type Server } from 'node:http'
import { type AddressInfo, createServer as createNetServer, type Server as NetServer } from 'node:net'
import { createTokens, isTokenError, type Tokens } from '@tokens/core'
import { type AppInfo, type Emulator, onIssuedSecret, startEmulator } from '@tokens/emulator'
import type { ErrorRequestHandler } from 'express'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type FacebookLoginOptions, FacebookLoginStrategy, type FacebookLoginVerify } from '../src/index.js'
import { Browser, loginThroughDialog } from './browser.js'
import { loginApp, START, serve } from './fixture.js'

type FaultOptions = Parameters<Emulator['setFaults']>[0]

let emu: Emulator
let fbApp: AppInfo
let tokens: Tokens
let cores: Tokens[]
let server: Awaited<ReturnType<typeof serve>>
let graphs: Array<Server | NetServer>
let logins: string[]
let errors: unknown[]
let issued: string[]
let stopListening: () => void

/** Starts `server` on a free loopback port and returns its base URL. */
async function listen(server: Server | NetServer): Promise<string> {
  graphs.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

beforeEach(async () => {
  emu = await startEmulator({ now: START, freezeClock: true, callBudgetPerHour: 100_000 })
  const ada = emu.createUser({ name: 'Ada Lovelace' })
  emu.createPage({ name: 'Bakery', admins: [ada.id] })
  graphs = []
  logins = []
  errors = []
  issued = []
  stopListening = onIssuedSecret((secret) => issued.push(secret))

  const { app, auth } = loginApp()
  const names = ['facebook', 'wrong-secret', 'hang-up', 'proxy']
  for (const name of names) {
    app.get(`/auth/${name}`, auth.authenticate(name))
    app.get(`/auth/${name}/callback`, auth.authenticate(name, { failureRedirect: '/login', successRedirect: '/me' }))
  }
  app.get('/me', (req, res) => {
    if (req.user) res.json(req.user)
    else res.status(401).json({ error: 'not logged in' })
  })
  const record: ErrorRequestHandler = (error, _req, _res, next) => {
    errors.push(error)
    next(error) // Express's own handler answers: the error's status and headers
  }
  app.use(record)
  server = await serve(app)

  fbApp = emu.createApp({ redirectUris: names.map((name) => `${server.url}/auth/${name}/callback`) })
  issued.push(fbApp.secret)
  tokens = createTokens({ ...emu.coreOptions(fbApp), retries: 0, timeoutMs: 300 })
  const options = (name: string): FacebookLoginOptions => ({
    clientID: fbApp.id,
    clientSecret: fbApp.secret,
    callbackURL: `${server.url}/auth/${name}/callback`,
    scope: ['pages_show_list'],
    graphUrl: emu.url,
    dialogUrl: emu.url,
    tokens,
    timeoutMs: 300,
  })
  const verify: FacebookLoginVerify = (userToken, _pageTokens, _profile, done) => {
    logins.push(userToken.userId)
    done(null, { id: userToken.userId })
  }
  auth.use(new FacebookLoginStrategy(options('facebook'), verify))
  // Strategies with a Graph or a secret of their own build their own core (a shared core has its own).
  const withOwnCore = (name: string) => {
    const { tokens: _shared, ...own } = options(name)
    return own
  }
  const wrongSecret = new FacebookLoginStrategy(
    { ...withOwnCore('wrong-secret'), clientSecret: 'not-the-secret' },
    verify,
  )
  auth.use('wrong-secret', wrongSecret)
  // A Graph that accepts connections and drops them (socket hang up), and one behind a proxy answering 502.
  const hangUp = await listen(createNetServer((socket) => socket.destroy()))
  const ownCore = new FacebookLoginStrategy({ ...withOwnCore('hang-up'), graphUrl: hangUp }, verify)
  auth.use('hang-up', ownCore)
  const proxy = await listen(
    createHttpServer((_req, res) => res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad Gateway</h1>')),
  )
  const behindProxy = new FacebookLoginStrategy({ ...withOwnCore('proxy'), graphUrl: proxy }, verify)
  auth.use('proxy', behindProxy)
  cores = [wrongSecret.tokens, ownCore.tokens, behindProxy.tokens]
})

afterEach(async () => {
  stopListening()
  await server.close()
  for (const graph of graphs) await new Promise((resolve) => graph.close(resolve))
  for (const core of [tokens, ...cores]) await core.close()
  await emu.close()
})

/** Logs in through the dialog with `faults` on Graph, as a new browser. */
async function loginDuring(faults: FaultOptions, start = 'facebook') {
  emu.setFaults(faults)
  const browser = new Browser()
  const { landed } = await loginThroughDialog(browser, `${server.url}/auth/${start}`)
  emu.setFaults(null)
  return { browser, landed }
}

/** Every text a client or a log could see of `error`: message, causes, `String()`, JSON. */
function errorTexts(error: unknown): string[] {
  const texts = [String(error), JSON.stringify(error)]
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    texts.push(e.message, String(e))
  }
  return texts
}

describe('facebook: Graph down during the code exchange or the profile call', () => {
  it.each<[string, FaultOptions, string?]>([
    ['code exchange: HTTP 500', { status: 500, paths: ['/oauth/access_token'] }],
    ['code exchange: HTTP 503', { status: 503, paths: ['/oauth/access_token'] }],
    ['code exchange: code 1 (HTTP 500)', { errorCode: 1, paths: ['/oauth/access_token'] }],
    ['code exchange: code 4, throttled (HTTP 400)', { errorCode: 4, paths: ['/oauth/access_token'] }],
    ['code exchange: code 613, throttled (HTTP 400)', { errorCode: 613, paths: ['/oauth/access_token'] }],
    ['code exchange: no answer (timeoutMs)', { hang: true, paths: ['/oauth/access_token'] }],
    ['profile: HTTP 500', { status: 500, paths: ['/me'] }],
    ['profile: code 2 (HTTP 500)', { errorCode: 2, paths: ['/me'] }],
    ['profile: code 17, throttled (HTTP 400)', { errorCode: 17, paths: ['/me'] }],
    ['profile: code 32, throttled (HTTP 400)', { errorCode: 32, paths: ['/me'] }],
    ['profile: no answer (timeoutMs)', { hang: true, paths: ['/me'] }],
    ['connection dropped (socket hang up)', null, 'hang-up'],
    ["a proxy's 502 page", null, 'proxy'],
  ])('%s: 503 with Retry-After, no verify, no session, no secret', async (_, faults, start) => {
    const { browser, landed } = await loginDuring(faults, start)
    expect(landed.status).toBe(503)
    expect(landed.headers.get('retry-after')).toMatch(/^\d+$/)
    expect(logins).toEqual([])
    expect((await browser.get(`${server.url}/me`)).status).toBe(401)

    expect(errors).toHaveLength(1)
    const error = errors[0]
    expect(isTokenError(error) && error.code).toBe('graph_unavailable')
    expect(issued.length).toBeGreaterThan(1) // the app secret and the login's code, at least
    for (const secret of issued) {
      for (const text of [...errorTexts(error), landed.text, ...landed.headers.values()]) {
        expect(text).not.toContain(secret)
      }
    }
  })

  it('a wrong app secret is the server misconfigured (500), never an outage, never the secret in the answer', async () => {
    const wrongSecret = await loginDuring(null, 'wrong-secret') // Graph: 400 (#1) Error validating client secret.
    expect(wrongSecret.landed.status).toBe(500)
    expect(wrongSecret.landed.headers.get('retry-after')).toBeNull()
    expect(errors).toHaveLength(1)
    const error = errors[0]
    expect(isTokenError(error) && [error.code, error.status]).toEqual(['misconfigured', 500])
    expect((error as Error).message).toMatch(/appSecret/)
    for (const text of [...errorTexts(error), wrongSecret.landed.text]) expect(text).not.toContain('not-the-secret')
    expect(logins).toEqual([])
  })

  it('other failures keep their handling: a refused code a failed login, a refused profile token an error, not outages', async () => {
    const refused = await loginDuring({ errorCode: 100, paths: ['/oauth/access_token'] })
    expect(refused.landed.status).toBe(302)
    expect(refused.landed.headers.get('location')).toMatch(/^\/login#?$/)
    const badProfileToken = await loginDuring({ errorCode: 190, paths: ['/me'] })
    expect(badProfileToken.landed.status).toBe(500)
    expect(errors).toHaveLength(1)
    for (const error of errors) expect(isTokenError(error)).toBe(false)
    expect(logins).toEqual([])
  })

  it('refuses a timeoutMs that is not a number ≥ 1, naming the option', () => {
    const options = { clientID: '1', clientSecret: 'app-secret-value', callbackURL: 'https://example.com/cb' }
    for (const timeoutMs of [0, -1, Number.NaN, '5000' as unknown as number]) {
      expect(() => new FacebookLoginStrategy({ ...options, timeoutMs }, () => undefined)).toThrow(/option 'timeoutMs'/)
    }
  })
})
