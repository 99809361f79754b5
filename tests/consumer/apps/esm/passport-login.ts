// Passport, ESM: Facebook Login through the emulator's dialog (passport-facebook installed), with a
// long-lived user token and the Page tokens saved in the store.
import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { createTokens, MemoryStore, type PageToken, type UserToken } from '@tokens/core'
import { startEmulator } from '@tokens/emulator'
import { FacebookLoginStrategy } from '@tokens/passport'
import express from 'express'
import session from 'express-session'
import passport from 'passport'

interface LoggedIn {
  id: string
  name: string
  pages: string[]
}

/** A browser in a few lines: no automatic redirects, one cookie jar per origin. */
function browser() {
  const jars = new Map<string, Map<string, string>>()
  return async (url: string, init: RequestInit = {}) => {
    const { origin } = new URL(url)
    const jar = jars.get(origin) ?? new Map<string, string>()
    jars.set(origin, jar)
    const headers = new Headers(init.headers)
    if (jar.size > 0) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '))
    const res = await fetch(url, { ...init, headers, redirect: 'manual' })
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';')
      const eq = pair.indexOf('=')
      if (eq > 0) jar.set(pair.slice(0, eq), pair.slice(eq + 1))
    }
    return res
  }
}

async function main(): Promise<void> {
  const emu = await startEmulator()
  const ada = emu.createUser({ name: 'Ada Lovelace', email: 'ada@example.com' })
  const page = emu.createPage({ name: 'Ada Bakery', admins: [ada.id] })

  const app = express()
  const server = app.listen(0, '127.0.0.1')
  await new Promise<void>((resolve) => server.once('listening', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const fb = emu.createApp({ name: 'Consumer', redirectUris: [`${base}/auth/facebook/callback`] })
  const store = new MemoryStore()
  const tokens = createTokens({ appId: fb.id, appSecret: fb.secret, graphUrl: emu.url, store })

  passport.use(
    new FacebookLoginStrategy(
      {
        clientID: fb.id,
        clientSecret: fb.secret,
        callbackURL: `${base}/auth/facebook/callback`,
        scope: ['email', 'pages_show_list'],
        graphUrl: emu.url,
        dialogUrl: emu.url,
        tokens,
      },
      (userToken: UserToken, pageTokens: PageToken[], profile, done) => {
        done(null, { id: userToken.userId, name: profile.displayName, pages: pageTokens.map((p) => p.pageId) })
      },
    ),
  )
  passport.serializeUser((user, done) => done(null, JSON.stringify(user)))
  passport.deserializeUser((user: string, done) => done(null, JSON.parse(user) as LoggedIn))
  app.use(session({ secret: 'consumer-test', resave: false, saveUninitialized: false }))
  app.use(passport.session())
  app.get('/auth/facebook', passport.authenticate('facebook'))
  app.get(
    '/auth/facebook/callback',
    passport.authenticate('facebook', { failureRedirect: '/login', successRedirect: '/me' }),
  )
  app.get('/me', (req, res) => {
    if (req.user === undefined) res.status(401).json({ error: 'not logged in' })
    else res.json(req.user)
  })

  const go = browser()
  const started = await go(`${base}/auth/facebook`)
  assert.equal(started.status, 302)
  const dialog = started.headers.get('location') ?? ''
  assert.ok(dialog.startsWith(`${emu.url}/`), dialog)
  const consent = await (await go(dialog)).text()
  const action = /<form method="post" action="([^"]+)"/.exec(consent)?.[1]
  assert.ok(action !== undefined, 'a consent form')
  const form = new URLSearchParams()
  for (const [, attrs = ''] of consent.matchAll(/<input ([^>]+)>/g)) {
    const name = /name="([^"]+)"/.exec(attrs)?.[1]
    const value = (/value="([^"]*)"/.exec(attrs)?.[1] ?? '').replace(/&#(\d+);/g, (_, c: string) =>
      String.fromCharCode(Number(c)),
    )
    if (name !== undefined && (!/type="(checkbox|radio)"/.test(attrs) || / checked/.test(attrs)))
      form.append(name, value)
  }
  form.set('decision', 'allow')
  const allowed = await go(new URL(action.replaceAll('&amp;', '&'), dialog).toString(), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  })
  assert.equal(allowed.status, 302)
  const callback = await go(allowed.headers.get('location') ?? '')
  assert.equal(callback.status, 302)
  assert.equal(new URL(callback.headers.get('location') ?? '', base).pathname, '/me')
  const me = await go(`${base}/me`)
  assert.equal(me.status, 200)
  assert.deepEqual(await me.json(), { id: ada.id, name: 'Ada Lovelace', pages: [page.id] })

  const saved = await store.findUserToken(fb.id, ada.id)
  assert.equal(saved?.info.type, 'user')
  assert.equal((await store.findPageToken(fb.id, page.id))?.pageId, page.id)

  server.close()
  await tokens.close()
  await emu.close()
  console.log('ok passport-login')
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
