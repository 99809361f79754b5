import { MemoryStore } from '@tokens/core'
import { type Emulator, startEmulator } from '@tokens/emulator'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { FacebookLoginStrategy } from '../src/index.js'
import { Browser, loginThroughDialog } from './browser.js'
import { loginApp, serve } from './fixture.js'

// The strategy builds its own core here (no `tokens` option), whose clock is the real one: so this
// emulator follows real time too.
let emu: Emulator
let server: Awaited<ReturnType<typeof serve>>
let strategy: FacebookLoginStrategy
const store = new MemoryStore()
const logged: string[] = []

beforeAll(async () => {
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      logged.push(args.map(String).join(' '))
    })
  }
  emu = await startEmulator({ callBudgetPerHour: 100_000 })
  const ada = emu.createUser({ name: 'Ada Lovelace' })
  emu.createPage({ name: 'Bakery', admins: [ada.id] })
  const { app, auth } = loginApp()
  app.get('/auth/facebook', auth.authenticate('facebook'))
  app.get(
    '/auth/facebook/callback',
    auth.authenticate('facebook', { failureRedirect: '/login', successRedirect: '/me' }),
  )
  app.get('/me', (req, res) => {
    res.json(req.user ?? null)
  })
  server = await serve(app)
  const fbApp = emu.createApp({ redirectUris: [`${server.url}/auth/facebook/callback`] })
  strategy = new FacebookLoginStrategy(
    {
      clientID: fbApp.id,
      clientSecret: fbApp.secret,
      callbackURL: `${server.url}/auth/facebook/callback`,
      scope: 'pages_show_list',
      graphUrl: emu.url,
      dialogUrl: emu.url,
      graphVersion: 'v24.0',
      store,
    },
    // Logs what a careless app would log: the tokens themselves.
    (userToken, pageTokens, profile, done) => {
      console.log('login', userToken, pageTokens, `${userToken}`, JSON.stringify(pageTokens))
      done(null, { id: profile.id, pages: pageTokens.map((p) => p.pageId) })
    },
  )
  auth.use(strategy)
})

afterAll(async () => {
  vi.restoreAllMocks()
  await server?.close()
  await strategy?.tokens.close()
  await emu?.close()
})

describe('facebook: with the core built from the options', () => {
  it('uses graphUrl, dialogUrl, graphVersion and store; tokens never reach a log line', async () => {
    const browser = new Browser()
    const { dialogUrl, landed } = await loginThroughDialog(browser, `${server.url}/auth/facebook`)
    expect(`${dialogUrl.origin}${dialogUrl.pathname}`).toBe(`${emu.url}/v24.0/dialog/oauth`)
    expect(landed.headers.get('location')).toBe('/me#')
    const me = JSON.parse((await browser.get(`${server.url}/me`)).text)
    expect(me.pages).toHaveLength(1)

    const stored = await store.findUserToken(strategy.tokens.appId, me.id)
    expect(stored?.info.type).toBe('user')
    const pages = await store.listPageTokens(strategy.tokens.appId, me.id)
    expect(pages).toHaveLength(1)
    const raws = [stored!.value, ...pages.map((p) => p.value)]
    expect(logged).toContainEqual(expect.stringMatching(/^login/))
    for (const line of logged) for (const raw of raws) expect(line).not.toContain(raw)
    for (const answer of browser.answers) for (const raw of raws) expect(answer.text).not.toContain(raw)
  })
})
