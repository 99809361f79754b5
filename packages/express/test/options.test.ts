import type { NodeInfo } from '@tokens/emulator'
import express from 'express'
import { beforeEach, describe, expect, it } from 'vitest'
import { requireToken, sendTokenError, type TokenErrorHandler, tokens } from '../src/index.js'
import { expectRejection, FRAMEWORKS, type Harness, useHarness } from './harness.js'

describe.each(FRAMEWORKS)('%s: options, the HTTPS guard and standalone use', (_name, create) => {
  const harness = useHarness()
  let h: Harness
  let ada: NodeInfo
  let bakery: NodeInfo

  beforeEach(() => {
    h = harness()
    ada = h.user()
    bakery = h.page(ada)
  })

  /** An app in production behind a loopback proxy (trusted or not), with `tokens()` and a standalone route. */
  async function production(options: { trustProxy?: boolean; allowInsecure?: boolean } = {}): Promise<string> {
    const app = create()
    app.set('env', 'production')
    if (options.trustProxy) app.set('trust proxy', 'loopback')
    const core = h.core()
    const adapter = options.allowInsecure === undefined ? {} : { allowInsecure: options.allowInsecure }
    app.get('/standalone', requireToken('user', { tokens: core, ...adapter }), (_req, res) => {
      res.json({ ok: true })
    })
    app.use(tokens(core, adapter))
    app.get('/any', (req, res) => {
      res.json({ type: req.token?.type ?? null })
    })
    return h.listen(app)
  }

  describe('HTTPS guard', () => {
    it('production over plain HTTP: 400 invalid_request before any Graph call', async () => {
      const url = await production()
      h.emu.resetCounts()
      for (const path of ['/any', '/standalone']) {
        const answer = await h.call(`${url}${path}`, { token: h.userToken(ada) })
        expectRejection(answer, {
          status: 400,
          error: 'invalid_request',
          challenge:
            'Bearer realm="api", error="invalid_request", error_description="Access tokens must be sent over HTTPS"',
        })
      }
      const inQuery = await h.call(`${url}/any?access_token=${h.userToken(ada)}`)
      expectRejection(inQuery, { status: 400, error: 'invalid_request' })
      expect(h.emu.requestCount('/debug_token')).toBe(0)
    })

    it('production over plain HTTP without a token: passes', async () => {
      const url = await production()
      expect((await h.call(`${url}/any`)).body).toEqual({ type: null })
    })

    it('behind a trusted proxy that terminated TLS (X-Forwarded-Proto: https): accepted', async () => {
      const url = await production({ trustProxy: true })
      const headers = { 'x-forwarded-proto': 'https' }
      const answer = await h.call(`${url}/any`, { token: h.userToken(ada), headers })
      expect(answer).toMatchObject({ status: 200, body: { type: 'user' } })
      expect((await h.call(`${url}/standalone`, { token: h.userToken(ada), headers })).status).toBe(200)
    })

    it('X-Forwarded-Proto from an untrusted client is ignored: still 400', async () => {
      const url = await production({ trustProxy: false })
      const answer = await h.call(`${url}/any`, { token: h.userToken(ada), headers: { 'x-forwarded-proto': 'https' } })
      expectRejection(answer, { status: 400, error: 'invalid_request' })
    })

    it('allowInsecure: true accepts plain HTTP in production', async () => {
      const url = await production({ allowInsecure: true })
      expect((await h.call(`${url}/any`, { token: h.userToken(ada) })).status).toBe(200)
      expect((await h.call(`${url}/standalone`, { token: h.userToken(ada) })).status).toBe(200)
    })

    it('NODE_ENV=production when the app is created is enough (Express reads its env from it)', async () => {
      const previous = process.env.NODE_ENV
      process.env.NODE_ENV = 'production'
      let app: ReturnType<typeof create>
      try {
        app = create()
      } finally {
        if (previous === undefined) delete process.env.NODE_ENV
        else process.env.NODE_ENV = previous
      }
      app.use(tokens(h.core()))
      app.get('/any', (req, res) => {
        res.json({ type: req.token?.type ?? null })
      })
      const url = await h.listen(app)
      expectRejection(await h.call(`${url}/any`, { token: h.userToken(ada) }), {
        status: 400,
        error: 'invalid_request',
      })
    })

    it('outside production plain HTTP is accepted', async () => {
      const app = create()
      app.use(tokens(h.core()))
      app.get('/any', (req, res) => {
        res.json({ type: req.token?.type ?? null })
      })
      const url = await h.listen(app)
      expect((await h.call(`${url}/any`, { token: h.userToken(ada) })).body).toEqual({ type: 'user' })
    })
  })

  describe('other token sources', () => {
    it('a token in a form body (tokenSources.body) is verified; a cookie token over plain HTTP in production is refused', async () => {
      const app = create()
      app.use(express.urlencoded({ extended: false }))
      app.use(express.json())
      app.use(tokens(h.core({ tokenSources: { header: true, body: true, cookie: 'fb_token' } })))
      app.post('/any', (req, res) => {
        res.json({ type: req.token?.type ?? null })
      })
      app.get('/any', (req, res) => {
        res.json({ type: req.token?.type ?? null })
      })
      const url = await h.listen(app)
      const form = await h.call(`${url}/any`, { form: { access_token: h.userToken(ada) } })
      expect(form).toMatchObject({ status: 200, body: { type: 'user' } })
      // RFC 6750 §2.2: only a form-encoded body carries a bearer token; a JSON body's access_token is data.
      const json = await fetch(`${url}/any`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ access_token: h.userToken(ada) }),
      })
      expect(await json.json()).toEqual({ type: null })
      const cookie = await h.call(`${url}/any`, { headers: { cookie: `fb_token=${h.userToken(ada)}` } })
      expect(cookie).toMatchObject({ status: 200, body: { type: 'user' } })
      app.set('env', 'production')
      const insecureCookie = await h.call(`${url}/any`, { headers: { cookie: `fb_token=${h.userToken(ada)}` } })
      expectRejection(insecureCookie, { status: 400, error: 'invalid_request', challenge: /must be sent over HTTPS/ })
    })
  })

  describe('onError', () => {
    const render: TokenErrorHandler = (error, _req, res) => {
      res.status(error.status).set(error.headers).type('text').send(`denied: ${error.code}`)
    }

    it('renders the rejections of tokens() and of the requireToken() after it', async () => {
      const app = create()
      app.use(tokens({ ...coreOptions(h), onError: render }))
      app.get('/page', requireToken('page'), (_req, res) => {
        res.json({ ok: true })
      })
      app.get(
        '/own',
        requireToken('page', {
          onError: (error, _req, res) => {
            res.status(error.status).json({ mine: error.code })
          },
        }),
      )
      const url = await h.listen(app)
      const bad = await h.call(`${url}/page`, { token: h.track('EAAGarbageGarbageGarbageGarbage123') })
      expect(bad).toMatchObject({ status: 401, text: 'denied: invalid_token' })
      expect(bad.headers['www-authenticate']).toContain('error="invalid_token"')
      const wrongType = await h.call(`${url}/page`, { token: h.userToken(ada) })
      expect(wrongType).toMatchObject({ status: 403, text: 'denied: insufficient_scope' })
      const own = await h.call(`${url}/own`, { token: h.userToken(ada) })
      expect(own).toMatchObject({ status: 403, body: { mine: 'insufficient_scope' } })
    })

    it('can fall back to sendTokenError, and a throwing onError reaches Express error handling', async () => {
      const app = create()
      app.get('/fallback', requireToken('user', { tokens: h.core(), onError: (e, _q, res) => sendTokenError(res, e) }))
      app.get(
        '/throws',
        requireToken('user', {
          tokens: h.core(),
          onError: () => {
            throw new Error('renderer broke')
          },
        }),
      )
      const url = await h.listen(app)
      expectRejection(await h.call(`${url}/fallback`), { status: 401, error: 'token_required' })
      expect((await h.call(`${url}/throws`)).status).toBe(500)
    })
  })

  it('an onError that falls back to sendTokenError answers in the realm of the core that refused', async () => {
    const app = create()
    const shop = h.core({ realm: 'shop' })
    const onError: TokenErrorHandler = (error, _req, res) => sendTokenError(res, error)
    app.get('/alone', requireToken('user', { tokens: shop, onError }))
    app.use(tokens(shop, { onError }))
    app.get('/after', requireToken('user'))
    const url = await h.listen(app)
    for (const path of ['/alone', '/after']) {
      const none = await h.call(`${url}${path}`)
      expect(none.headers['www-authenticate'], path).toBe('Bearer realm="shop"')
      const bad = await h.call(`${url}${path}`, { token: 'not a token' })
      expect(bad.status, path).toBe(400)
      expect(bad.headers['www-authenticate'], path).toMatch(/^Bearer realm="shop", error="invalid_request"/)
    }
  })

  describe('requireToken without tokens()', () => {
    async function standalone(): Promise<string> {
      const app = create()
      app.get(
        '/page',
        requireToken('page', { tokens: h.core() }).handle((req, res) => {
          res.json({ pageId: req.token.pageId, hasCore: req.tokens.appId === h.app.id })
        }),
      )
      app.get('/email', requireToken({ tokens: coreOptions(h), scopes: ['email'] }), (req, res) => {
        res.json({ type: req.token?.type })
      })
      app.get('/misconfigured', requireToken('user'), (_req, res) => {
        res.json({ ok: true })
      })
      app.get(
        '/async-throw',
        requireToken('page', { tokens: h.core() }).handle(async () => {
          throw new Error('handler failed')
        }),
      )
      return h.listen(app)
    }

    it('verifies by itself: 401 without a token, 403 for another type, 200 with the typed token', async () => {
      const url = await standalone()
      expectRejection(await h.call(`${url}/page`), { status: 401, error: 'token_required' })
      expectRejection(await h.call(`${url}/page`, { token: h.userToken(ada) }), {
        status: 403,
        error: 'insufficient_scope',
      })
      const ok = await h.call(`${url}/page`, { token: h.pageToken(ada, bakery) })
      expect(ok).toMatchObject({ status: 200, body: { pageId: bakery.id, hasCore: true } })
    })

    it('with options only (any type, a scope), and from core options instead of an instance', async () => {
      const url = await standalone()
      expectRejection(await h.call(`${url}/email`, { token: h.userToken(ada) }), {
        status: 403,
        error: 'insufficient_scope',
        challenge: /scope="email"/,
      })
      expect((await h.call(`${url}/email`, { token: h.userToken(ada, ['email']) })).body).toEqual({ type: 'user' })
    })

    it('misconfigured (no tokens() and no tokens option) or a failing async handler: 500 via Express', async () => {
      const url = await standalone()
      expect((await h.call(`${url}/misconfigured`, { token: h.userToken(ada) })).status).toBe(500)
      expect((await h.call(`${url}/async-throw`, { token: h.pageToken(ada, bakery) })).status).toBe(500)
    })
  })

  describe('no raw token in answers or logs', () => {
    it('logging req.token shows a redacted form only', async () => {
      const app = create()
      app.use(tokens(h.core()))
      app.get('/log', (req, res) => {
        console.log('token', req.token)
        console.info(JSON.stringify({ token: req.token }))
        console.warn(`token ${String(req.token)}`)
        res.json({ token: req.token })
      })
      const url = await h.listen(app)
      const answer = await h.call(`${url}/log`, { token: h.userToken(ada) })
      expect(answer.text).toContain('[redacted]')
      expect(h.logs.join('\n')).toContain('[redacted]')
    })

    it('the leak check itself catches a leak (so the other assertions can fail)', async () => {
      // A value the harness watches but the emulator never issued: the suite-wide leak check (which
      // has its own self-test in tests/reliability) would fail this test for a real issued token.
      const planted = h.track(`EAA${'planted'.repeat(8)}`)
      const app = create()
      app.get('/leak', (_req, res) => {
        res.json({ value: planted })
      })
      const url = await h.listen(app)
      await expect(h.call(`${url}/leak`)).rejects.toThrow(/leaked into the body/)
      h.logs.push(`oops ${planted}`)
      expect(() => h.assertNoLeak(h.logs.join('\n'), 'a log line')).toThrow(/leaked into a log line/)
      h.logs.length = 0
    })
  })
})

function coreOptions(h: Harness) {
  return {
    appId: h.app.id,
    appSecret: h.app.secret,
    graphUrl: h.emu.url,
    clock: () => h.emu.now() * 1000,
    retries: 0,
  }
}
