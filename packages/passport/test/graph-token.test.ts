import { type AccessToken, isAccessToken } from '@tokens/core'
import express, { type Request } from 'express'
import passport from 'passport'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { GraphTokenStrategy, tokensErrorHandler } from '../src/index.js'
import { type Answer, createFixture, type Fixture, request, serve } from './fixture.js'

let f: Fixture
let server: Awaited<ReturnType<typeof serve>>
/** Every raw token a test used and every answer it got: no answer may contain a raw token. */
const raws = new Set<string>()
const answers: Answer[] = []
const logged: string[] = []

function describeToken(token: AccessToken) {
  switch (token.type) {
    case 'page':
      return { type: token.type, pageId: token.pageId, userId: token.userId }
    case 'user':
    case 'system_user':
    case 'limited_login':
      return { type: token.type, userId: token.userId }
    case 'app':
    case 'client':
      return { type: token.type, appId: token.appId }
    default: {
      const unknown: never = token
      throw new TypeError(String(unknown))
    }
  }
}

/** Lets every request through as `{ anonymous: true }`, like passport-anonymous. */
class Anonymous extends passport.Strategy {
  override name = 'anonymous'
  override authenticate(): void {
    this.success({ anonymous: true })
  }
}

beforeAll(async () => {
  f = await createFixture({ tokenSources: { header: true, query: true } })
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      logged.push(args.map(String).join(' '))
    })
  }
  const auth = new passport.Passport()
  const { tokens } = f
  auth.use(new GraphTokenStrategy({ tokens }))
  auth.use('graph-token-user', new GraphTokenStrategy({ tokens, type: 'user' }))
  auth.use('graph-token-page', new GraphTokenStrategy({ tokens, type: 'page', scopes: ['pages_manage_posts'] }))
  auth.use('graph-token-app', new GraphTokenStrategy({ tokens, type: 'app' }))
  auth.use('graph-token-system', new GraphTokenStrategy({ tokens, type: 'system_user' }))
  auth.use('graph-token-client', new GraphTokenStrategy({ tokens, type: 'client' }))
  auth.use('graph-token-email', new GraphTokenStrategy({ tokens, type: ['user', 'system_user'], scopes: ['email'] }))
  auth.use(
    'graph-token-verify',
    new GraphTokenStrategy({ tokens, type: 'user' }, (token, done) =>
      token.userId === f.user.id ? done(null, { id: token.userId, name: 'Ada' }) : done(null, false),
    ),
  )
  auth.use(
    'graph-token-req',
    new GraphTokenStrategy({ tokens, passReqToCallback: true }, (req: Request, token, done) =>
      done(null, { path: req.path, type: token.type }),
    ),
  )

  const app = express()
  app.use(auth.initialize())
  const routes = ['', '-user', '-page', '-app', '-system', '-client', '-email', '-verify', '-req']
  for (const suffix of routes) {
    app.get(`/t${suffix}`, auth.authenticate(`graph-token${suffix}`, { session: false }), (req, res) => {
      res.json(isAccessToken(req.user) ? describeToken(req.user) : req.user)
    })
  }
  app.get('/json', auth.authenticate('graph-token-page', { session: false, failWithError: true }), (_req, res) => {
    res.json({ ok: true })
  })
  auth.use(new Anonymous())
  app.get('/optional', auth.authenticate(['graph-token', 'anonymous'], { session: false }), (req, res) => {
    res.json(isAccessToken(req.user) ? describeToken(req.user) : req.user)
  })
  app.use(tokensErrorHandler())
  server = await serve(app)
})

afterAll(async () => {
  vi.restoreAllMocks()
  await server?.close()
  await f?.close()
  for (const raw of raws) {
    for (const answer of answers) {
      expect(answer.text).not.toContain(raw)
      for (const [, value] of answer.headers) expect(value).not.toContain(raw)
    }
    for (const line of logged) expect(line).not.toContain(raw)
  }
  expect(answers.length).toBeGreaterThan(20)
})

afterEach(() => {
  f.emu.setFaults(null)
})

async function call(path: string, token?: string, headers: Record<string, string> = {}): Promise<Answer> {
  if (token !== undefined) raws.add(token)
  const auth: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` }
  const answer = await request(`${server.url}${path}`, { headers: { ...auth, ...headers } })
  answers.push(answer)
  return answer
}

const userToken = (scopes: string[] = ['email', 'pages_show_list', 'pages_manage_posts'], lifetime?: 'long') =>
  f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id, scopes, ...(lifetime && { lifetime }) })
const challenge = (answer: Answer) => answer.headers.get('www-authenticate')

describe('graph-token: accepted tokens', () => {
  it('a user token gives req.user = the typed UserToken', async () => {
    const res = await call('/t-user', userToken())
    expect(res.status).toBe(200)
    expect(JSON.parse(res.text)).toEqual({ type: 'user', userId: f.user.id })
  })

  it('a Page token with the scope passes the page route', async () => {
    userToken()
    const raw = f.emu.issuePageToken({ appId: f.app.id, userId: f.user.id, pageId: f.pages[0]!.id, lifetime: 'long' })
    const res = await call('/t-page', raw)
    expect(res.status).toBe(200)
    expect(JSON.parse(res.text)).toEqual({ type: 'page', pageId: f.pages[0]!.id, userId: f.user.id })
  })

  it('app tokens in both forms pass the app route', async () => {
    for (const raw of [`${f.app.id}|${f.app.secret}`, f.emu.appToken(f.app.id)]) {
      const res = await call('/t-app', raw)
      expect(res.status).toBe(200)
      expect(JSON.parse(res.text)).toEqual({ type: 'app', appId: f.app.id })
    }
  })

  it('system user and client tokens pass their routes', async () => {
    const system = f.emu.issueSystemUserToken({ appId: f.app.id, userId: f.user.id })
    expect(JSON.parse((await call('/t-system', system)).text)).toEqual({ type: 'system_user', userId: f.user.id })
    const client = await call('/t-client', `${f.app.id}|${f.app.clientToken}`)
    expect(client.status).toBe(200)
    expect(JSON.parse(client.text)).toEqual({ type: 'client', appId: f.app.id })
  })

  it('accepts a lower-case bearer scheme', async () => {
    const raw = userToken()
    raws.add(raw)
    const res = await call('/t', undefined, { authorization: `bearer ${raw}` })
    expect(res.status).toBe(200)
  })

  it('a cache hit makes no Graph call', async () => {
    const raw = userToken()
    expect((await call('/t', raw)).status).toBe(200)
    const before = f.emu.requestCount('/debug_token')
    for (let i = 0; i < 3; i++) expect((await call('/t-user', raw)).status).toBe(200)
    expect(f.emu.requestCount('/debug_token')).toBe(before)
  })
})

describe('graph-token: refusals', () => {
  it('no token: 401 with the bare challenge', async () => {
    const res = await call('/t')
    expect(res.status).toBe(401)
    expect(challenge(res)).toBe('Bearer realm="api"')
  })

  it('wrong type: 403 insufficient_scope with the challenge', async () => {
    const res = await call('/t-page', userToken())
    expect(res.status).toBe(403)
    expect(challenge(res)).toMatch(/^Bearer realm="api", error="insufficient_scope", error_description="A page token/)
    expect(challenge(res)).toContain('scope="pages_manage_posts"')
    expect(res.headers.get('cache-control')).toBe('no-store')
  })

  it('missing scope: 403 naming the scope', async () => {
    const res = await call('/t-email', userToken(['pages_show_list']))
    expect(res.status).toBe(403)
    expect(challenge(res)).toContain('error="insufficient_scope"')
    expect(challenge(res)).toContain('scope="email"')
  })

  it.each([
    [
      'expired',
      () => {
        const raw = userToken()
        f.emu.advanceTime(3 * 3600)
        return raw
      },
      'The access token has expired',
    ],
    [
      'password changed',
      () => {
        const raw = userToken()
        f.emu.invalidateToken(raw, 'password_changed')
        return raw
      },
      'The access token was invalidated because the user changed their password',
    ],
    [
      'app removed',
      () => {
        const other = f.emu.createUser({ name: 'Grace Hopper' })
        const raw = f.emu.issueUserToken({ appId: f.app.id, userId: other.id })
        f.emu.removeApp(other.id, f.app.id)
        return raw
      },
      'The user has removed the app, so its access tokens are no longer valid',
    ],
    [
      'another app',
      () => f.emu.issueUserToken({ appId: f.otherApp.id, userId: f.user.id }),
      'The access token was issued to another app',
    ],
  ])('%s: 401 invalid_token', async (_name, make, description) => {
    const res = await call('/t', make())
    expect(res.status).toBe(401)
    expect(challenge(res)).toBe(`Bearer realm="api", error="invalid_token", error_description="${description}"`)
  })

  it('garbage: 401 invalid_token', async () => {
    const res = await call('/t', 'EAAGarbageGarbageGarbageGarbage')
    expect(res.status).toBe(401)
    expect(challenge(res)).toMatch(/^Bearer realm="api", error="invalid_token"/)
  })

  it('token sent twice (header and query): 400 invalid_request with the challenge', async () => {
    const raw = userToken()
    const res = await call(`/t?access_token=${raw}`, raw)
    expect(res.status).toBe(400)
    expect(challenge(res)).toBe(
      'Bearer realm="api", error="invalid_request", error_description="The access token was sent by more than one method"',
    )
  })

  it('oversized and empty bearer headers: 400 without a Graph call', async () => {
    const before = f.emu.requestCount()
    const long = await call('/t', 'A'.repeat(9000))
    expect(long.status).toBe(400)
    expect(challenge(long)).toContain('longer than 8192 characters')
    const empty = await call('/t', undefined, { authorization: 'Bearer ' })
    expect(empty.status).toBe(400)
    expect(challenge(empty)).toContain('error="invalid_request"')
    expect(f.emu.requestCount()).toBe(before)
  })

  it('verify refusing the user: 401 invalid_token; verify accepting: its user', async () => {
    const mine = await call('/t-verify', userToken())
    expect(JSON.parse(mine.text)).toEqual({ id: f.user.id, name: 'Ada' })
    const other = f.emu.createUser({ name: 'Mallory' })
    const res = await call('/t-verify', f.emu.issueUserToken({ appId: f.app.id, userId: other.id }))
    expect(res.status).toBe(401)
    expect(challenge(res)).toContain('error="invalid_token"')
  })

  it('passReqToCallback gives verify the request', async () => {
    const res = await call('/t-req', userToken())
    expect(JSON.parse(res.text)).toEqual({ path: '/t-req', type: 'user' })
  })

  it('failWithError + tokensErrorHandler answers the core JSON body', async () => {
    const res = await call('/json', userToken())
    expect(res.status).toBe(403)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    expect(JSON.parse(res.text)).toEqual({
      error: 'insufficient_scope',
      error_description: 'A page token is required; this is a user token',
    })
    expect(challenge(res)).toContain('error="insufficient_scope"')
    const none = await call('/json')
    expect(none.status).toBe(401)
    expect(challenge(none)).toBe('Bearer realm="api"')
    expect(JSON.parse(none.text)).toEqual({ error: 'token_required', error_description: 'An access token is required' })
  })
})

describe('graph-token: in a chain', () => {
  it("['graph-token', 'anonymous']: no token falls through cleanly, a valid token is used", async () => {
    const none = await call('/optional')
    expect(none.status).toBe(200)
    expect(JSON.parse(none.text)).toEqual({ anonymous: true })
    expect(challenge(none)).toBeNull()
    expect(none.headers.get('cache-control')).toBeNull()
    const res = await call('/optional', userToken())
    expect(JSON.parse(res.text)).toEqual({ type: 'user', userId: f.user.id })
  })

  it('a bad token also falls through: Passport semantics, the next strategy decides', async () => {
    const res = await call('/optional', 'EAAGarbageGarbageGarbageGarbage')
    expect(res.status).toBe(200)
    expect(JSON.parse(res.text)).toEqual({ anonymous: true })
  })
})

describe('graph-token: Graph outage', () => {
  it('an outage does not fall through to the next strategy: 503', async () => {
    f.emu.setFaults({ status: 500, paths: ['/debug_token'] })
    const res = await call('/optional', userToken())
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/)
  })

  it('an unknown token answers 503 with Retry-After, never 401 or 500; a cached token is still served', async () => {
    const cached = userToken()
    expect((await call('/t', cached)).status).toBe(200)
    f.emu.setFaults({ status: 500, paths: ['/debug_token'] })
    const res = await call('/t', userToken())
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/)
    expect(challenge(res)).toBeNull()
    expect(JSON.parse(res.text)).toMatchObject({ error: 'graph_unavailable' })
    expect((await call('/t', cached)).status).toBe(200)
  })

  it('a hanging Graph times out into 503 too', async () => {
    f.emu.setFaults({ hang: true, paths: ['/debug_token'] })
    const res = await call('/t-user', userToken())
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/)
  })

  it('without tokensErrorHandler, Express itself answers 503 with Retry-After', async () => {
    const auth = new passport.Passport()
    auth.use(new GraphTokenStrategy({ tokens: f.tokens }))
    const app = express()
    app.get('/t', auth.authenticate('graph-token', { session: false }), (_req, res) => {
      res.json({ ok: true })
    })
    const plain = await serve(app)
    try {
      f.emu.setFaults({ status: 500, paths: ['/debug_token'] })
      const raw = userToken()
      raws.add(raw)
      const res = await request(`${plain.url}/t`, { headers: { authorization: `Bearer ${raw}` } })
      answers.push(res)
      expect(res.status).toBe(503)
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/)
    } finally {
      await plain.close()
    }
  })
})
