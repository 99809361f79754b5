import { format } from 'node:util'
import type { INestApplication } from '@nestjs/common'
import { isTokenError, type TokenError, type TokenRequirement, type TokensEvent } from '@tokens/core'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { TokensModule, TokensService } from '../src/index.js'
import { PagesController, RoutesController } from './controllers.js'
import {
  type Answer,
  type CapturingLogger,
  call,
  createWorld,
  leaks,
  PLATFORMS,
  startApp,
  type World,
} from './fixture.js'

describe.each(PLATFORMS)('TokenGuard on %s', (platform) => {
  let w: World
  let app: INestApplication
  let url: string
  let logger: CapturingLogger
  let service: TokensService
  const events: TokensEvent[] = []
  const raws: string[] = []
  const written: string[] = []
  const originalWrites = { stdout: process.stdout.write, stderr: process.stderr.write }

  beforeAll(async () => {
    // Everything printed to the console during these tests, to search for raw tokens.
    for (const stream of [process.stdout, process.stderr]) {
      const write = stream.write.bind(stream)
      stream.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
        written.push(String(chunk))
        return write(chunk, ...rest)
      }) as typeof stream.write
    }
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        written.push(format(...args))
      })
    }
    w = await createWorld()
    const started = await startApp(platform, {
      imports: [
        TokensModule.forRoot({
          appId: w.app.id,
          appSecret: w.app.secret,
          clientToken: w.app.clientToken,
          graphUrl: w.emu.url,
          clock: () => w.emu.now() * 1000,
          retries: 0,
          timeoutMs: 300,
          tokenSources: { header: true, query: true, body: true },
          onEvent: (event) => events.push(event),
        }),
      ],
      controllers: [RoutesController, PagesController],
    })
    ;({ app, url, logger } = started)
    service = app.get(TokensService)
  })

  afterAll(async () => {
    process.stdout.write = originalWrites.stdout
    process.stderr.write = originalWrites.stderr
    vi.restoreAllMocks()
    await app?.close()
    await w?.emu.close()
  })

  /** Remembers a raw token so that the leak checks look for it. */
  function remember(raw: string): string {
    raws.push(raw)
    return raw
  }

  function userToken(scopes: string[] = ['public_profile'], lifetime: 'short' | 'long' = 'long'): string {
    return remember(w.emu.issueUserToken({ appId: w.app.id, userId: w.user.id, scopes, lifetime }))
  }

  /** GETs `path` with `raw` while the emulator injects `faults`, then clears them. */
  async function getDuring(
    faults: Parameters<World['emu']['setFaults']>[0],
    path: string,
    raw: string,
  ): Promise<Answer> {
    w.emu.setFaults(faults)
    try {
      return await get(path, raw)
    } finally {
      w.emu.setFaults(null)
    }
  }

  /** GETs `path` with `raw`, and checks that the answer never shows the token. */
  async function get(path: string, raw?: string): Promise<Answer> {
    const answer = await call(url, path, raw)
    if (raw !== undefined) expect(leaks(answer, raw), `${path} leaked the token`).toBe(false)
    return answer
  }

  /** Expects exactly what the core answers for this request and requirement: status, headers, body. */
  async function expectCoreAnswer(
    answer: Answer,
    raw: string | undefined,
    requirement?: TokenRequirement,
    query?: Record<string, string>,
  ) {
    const request = { headers: raw === undefined ? {} : { authorization: `Bearer ${raw}` }, query }
    let error: TokenError | undefined
    try {
      await service.authenticate(request, { ...requirement, required: requirement !== undefined })
    } catch (caught) {
      if (isTokenError(caught)) error = caught
    }
    expect(error, 'the core accepts this request').toBeDefined()
    const expected = error!.toResponse()
    expect(answer.status).toBe(expected.status)
    expect(answer.body).toEqual(expected.body)
    for (const [name, value] of Object.entries(expected.headers)) expect(answer.headers.get(name)).toBe(value)
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/)
    return expected
  }

  describe('every token type', () => {
    it('accepts no token on a route without @RequireToken, and attaches nothing', async () => {
      const answer = await get('/optional')
      expect(answer.status).toBe(200)
      expect(answer.body).toEqual({ type: null })
    })

    it('attaches a user token on optional, any, user and people routes', async () => {
      const raw = userToken()
      expect((await get('/optional', raw)).body).toEqual({ type: 'user' })
      expect((await get('/any', raw)).body).toEqual({ type: 'user', appId: w.app.id })
      expect((await get('/user', raw)).body).toEqual({ type: 'user', userId: w.user.id })
      expect((await get('/people', raw)).body).toEqual({ type: 'user', userId: w.user.id })
    })

    it('accepts a Page token with the required scope, typed with pageId and its admin', async () => {
      w.emu.issueUserToken({ appId: w.app.id, userId: w.user.id, scopes: ['pages_manage_posts', 'pages_show_list'] })
      const raw = remember(w.emu.issuePageToken({ appId: w.app.id, userId: w.user.id, pageId: w.page.id }))
      const answer = await get('/page', raw)
      expect(answer.status).toBe(200)
      expect(answer.body).toEqual({ type: 'page', pageId: w.page.id, userId: w.user.id })
    })

    it('accepts a system user token with its scope, on system and people routes', async () => {
      const raw = remember(w.emu.issueSystemUserToken({ appId: w.app.id, userId: w.user.id, scopes: ['ads_read'] }))
      expect((await get('/system', raw)).body).toEqual({ type: 'system_user', userId: w.user.id })
      expect((await get('/people', raw)).body).toEqual({ type: 'system_user', userId: w.user.id })
    })

    it('accepts app tokens in both forms and the client token', async () => {
      const composed = remember(`${w.app.id}|${w.app.secret}`)
      const issued = remember(w.emu.appToken(w.app.id))
      const client = remember(`${w.app.id}|${w.app.clientToken}`)
      expect((await get('/app', composed)).body).toEqual({ type: 'app', appId: w.app.id })
      expect((await get('/app', issued)).body).toEqual({ type: 'app', appId: w.app.id })
      expect((await get('/client', client)).body).toEqual({ type: 'client', appId: w.app.id })
    })
  })

  describe('token sources the core is configured with', () => {
    it('reads the query string and a form body, as the core does', async () => {
      const raw = userToken()
      const query = await call(url, `/user?access_token=${encodeURIComponent(raw)}`)
      expect(query.body).toEqual({ type: 'user', userId: w.user.id })
      const form = await call(url, '/user', undefined, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ access_token: raw }).toString(),
      })
      expect(form.status).toBe(200)
      expect(form.body).toEqual({ type: 'user', userId: w.user.id })
      expect(leaks(form, raw)).toBe(false)
    })
  })

  describe('every rejection, answered exactly as the core says', () => {
    it('token_required: 401 with a bare challenge', async () => {
      const answer = await get('/user')
      const expected = await expectCoreAnswer(answer, undefined, { type: 'user' })
      expect(expected).toEqual({
        status: 401,
        headers: { 'Cache-Control': 'no-store', 'WWW-Authenticate': 'Bearer realm="api"' },
        body: { error: 'token_required', error_description: 'An access token is required' },
      })
    })

    it('invalid_request: 400 for characters outside the token alphabet, without a Graph call', async () => {
      w.emu.resetCounts()
      const answer = await call(url, '/optional', undefined, { headers: { authorization: 'Bearer abc$def' } })
      expect(answer.status).toBe(400)
      expect(answer.body).toEqual({
        error: 'invalid_request',
        error_description: 'The access token has characters outside the bearer token alphabet',
      })
      expect(answer.headers.get('www-authenticate')).toBe(
        'Bearer realm="api", error="invalid_request", error_description="The access token has characters outside the bearer token alphabet"',
      )
      expect(w.emu.requestCount('/debug_token')).toBe(0)
    })

    it('invalid_request: 400 for a token sent two ways', async () => {
      const raw = userToken()
      const answer = await get(`/user?access_token=${raw}`, raw)
      await expectCoreAnswer(answer, raw, { type: 'user' }, { access_token: raw })
      expect(answer.body).toEqual({
        error: 'invalid_request',
        error_description: 'The access token was sent by more than one method',
      })
    })

    it('invalid_token expired: 401 once the clock passes the expiry', async () => {
      const raw = userToken(['public_profile'], 'short')
      expect((await get('/user', raw)).status).toBe(200)
      w.emu.advanceTime(3 * 3600)
      const answer = await get('/user', raw)
      const expected = await expectCoreAnswer(answer, raw, { type: 'user' })
      expect(expected.body).toEqual({
        error: 'invalid_token',
        error_description: 'The access token has expired',
        reason: 'expired',
      })
      expect(answer.headers.get('www-authenticate')).toBe(
        'Bearer realm="api", error="invalid_token", error_description="The access token has expired"',
      )
    })

    it.each([
      ['logged_out', 'invalidated'],
      ['password_changed', 'password_changed'],
      ['app_removed', 'app_not_installed'],
    ] as const)('invalid_token after %s: reason %s', async (how, reason) => {
      const raw = userToken()
      w.emu.invalidateToken(raw, how)
      const answer = await get('/user', raw)
      const expected = await expectCoreAnswer(answer, raw, { type: 'user' })
      expect(expected.status).toBe(401)
      expect(answer.body).toMatchObject({ error: 'invalid_token', reason })
    })

    it("invalid_token wrong_app: another app's token", async () => {
      const raw = remember(w.emu.issueUserToken({ appId: w.otherApp.id, userId: w.user.id, lifetime: 'long' }))
      const answer = await get('/any', raw)
      await expectCoreAnswer(answer, raw, {})
      expect(answer.body).toEqual({
        error: 'invalid_token',
        error_description: 'The access token was issued to another app',
        reason: 'wrong_app',
      })
    })

    it('invalid_token malformed, even on a route that does not require a token', async () => {
      const raw = remember('EAAgarbagegarbagegarbagegarbage')
      const answer = await get('/optional', raw)
      await expectCoreAnswer(answer, raw)
      expect(answer.body).toMatchObject({ error: 'invalid_token', reason: 'malformed' })
    })

    it('insufficient_scope: 403 for the wrong type, with the description', async () => {
      const raw = remember(`${w.app.id}|${w.app.secret}`)
      const answer = await get('/user', raw)
      await expectCoreAnswer(answer, raw, { type: 'user' })
      expect(answer.body).toEqual({
        error: 'insufficient_scope',
        error_description: 'A user token is required; this is a app token',
      })
    })

    it('insufficient_scope: 403 for a missing scope, naming it in the challenge', async () => {
      w.emu.issueUserToken({ appId: w.app.id, userId: w.poster.id, scopes: ['pages_show_list', 'public_profile'] })
      const raw = remember(w.emu.issuePageToken({ appId: w.app.id, userId: w.poster.id, pageId: w.page.id }))
      const answer = await get('/page', raw)
      await expectCoreAnswer(answer, raw, { type: 'page', scopes: ['pages_manage_posts'] })
      expect(answer.status).toBe(403)
      expect(answer.headers.get('www-authenticate')).toBe(
        'Bearer realm="api", error="insufficient_scope", error_description="The access token lacks the scope pages_manage_posts", scope="pages_manage_posts"',
      )
    })

    it('graph_unavailable: 503 with Retry-After and no challenge when Graph fails, never a 401', async () => {
      const raw = userToken()
      const answer = await getDuring({ status: 500 }, '/user', raw)
      expect(answer.status).toBe(503)
      expect(answer.headers.get('retry-after')).toBe('5')
      expect(answer.headers.get('cache-control')).toBe('no-store')
      expect(answer.headers.get('www-authenticate')).toBeNull()
      expect(answer.body).toEqual({
        error: 'graph_unavailable',
        error_description: 'Graph API could not verify the token',
      })
      expect((await get('/user', raw)).status).toBe(200)
    })

    it('graph_unavailable when Graph hangs past the timeout', async () => {
      const raw = userToken()
      const answer = await getDuring({ hang: true }, '/optional', raw)
      expect(answer.status).toBe(503)
      expect(answer.headers.get('retry-after')).toBe('5')
      expect(answer.body).toMatchObject({ error: 'graph_unavailable' })
    })

    it('graph_unavailable when Graph throttles the app (code 4): 503 with the Retry-After the usage gives', async () => {
      const raw = userToken()
      const answer = await getDuring({ errorCode: 4 }, '/user', raw)
      expect(answer.status).toBe(503)
      expect(answer.body).toEqual({ error: 'graph_unavailable', error_description: 'Graph API is throttling the app' })
      expect(answer.headers.get('retry-after')).toBe(String(service.graph.retryAfterSeconds()))
      expect(answer.headers.get('www-authenticate')).toBeNull()
    })

    it('invalid_request: 400 for a token longer than maxTokenLength, without a Graph call', async () => {
      w.emu.resetCounts()
      const answer = await call(url, '/optional', `EAA${'x'.repeat(8192)}`)
      expect(answer.status).toBe(400)
      expect(answer.body).toEqual({
        error: 'invalid_request',
        error_description: 'The access token is longer than 8192 characters',
      })
      expect(w.emu.requestCount('/debug_token')).toBe(0)
    })

    it("renders a TokenError thrown by a handler's own call to the core", async () => {
      const raw = userToken(['public_profile'])
      const answer = await get('/manual', raw)
      await expectCoreAnswer(answer, raw, { scopes: ['ads_management'] })
      expect(answer.status).toBe(403)
    })
  })

  describe('requirements and caching', () => {
    it('answers a known token from the cache, with no Graph call', async () => {
      const raw = userToken()
      w.emu.resetCounts()
      expect((await get('/user', raw)).status).toBe(200)
      expect(w.emu.requestCount('/debug_token')).toBe(1)
      w.emu.resetCounts()
      expect((await get('/user', raw)).status).toBe(200)
      expect((await get('/any', raw)).status).toBe(200)
      expect(w.emu.requestCount()).toBe(0)
    })

    it('reads the scheme case-insensitively (bearer, BEARER)', async () => {
      for (const scheme of ['bearer', 'BEARER']) {
        const raw = userToken()
        const answer = await call(url, '/user', undefined, { headers: { authorization: `${scheme} ${raw}` } })
        expect(leaks(answer, raw)).toBe(false)
        expect(answer.body).toEqual({ type: 'user', userId: w.user.id })
      }
    })

    it('keeps accepting a token verified recently while Graph is down, and says so in an event', async () => {
      const raw = userToken()
      expect((await get('/user', raw)).status).toBe(200)
      w.emu.advanceTime(400) // past cacheTtlSeconds (300), within staleOnOutageSeconds (600)
      const before = events.filter((e) => e.type === 'stale_accept').length
      expect((await getDuring({ status: 500 }, '/user', raw)).body).toEqual({ type: 'user', userId: w.user.id })
      expect(events.filter((e) => e.type === 'stale_accept')).toHaveLength(before + 1)
    })

    it("applies the controller's requirement, and the handler's over it", async () => {
      const user = userToken()
      const page = remember(w.emu.issuePageToken({ appId: w.app.id, userId: w.user.id, pageId: w.page.id }))
      expect((await get('/pages', user)).body).toEqual({ type: 'user' })
      expect((await get('/pages', page)).status).toBe(403)
      expect((await get('/pages/mine', page)).body).toEqual({ type: 'page', pageId: w.page.id })
      const refused = await get('/pages/mine', user)
      await expectCoreAnswer(refused, user, { type: 'page' })
    })

    it("leaves the app's other exceptions to Nest", async () => {
      const bad = await get('/bad-request')
      expect(bad.status).toBe(400)
      expect(bad.body).toEqual({ statusCode: 400, message: 'not a token problem', error: 'Bad Request' })
      expect(bad.headers.get('www-authenticate')).toBeNull()
      const crash = await get('/crash')
      expect(crash.status).toBe(500)
      expect(crash.body).toEqual({ statusCode: 500, message: 'Internal server error' })
    })
  })

  describe('no raw token anywhere', () => {
    it('keeps every raw token out of logs and events', () => {
      expect(raws.length).toBeGreaterThan(10)
      expect(logger.lines).toContainEqual(expect.stringContaining('an unexpected failure'))
      const logs = logger.lines.join('\n')
      const emitted = JSON.stringify(events)
      const printed = written.join('')
      for (const raw of raws) {
        expect(logs.includes(raw)).toBe(false)
        expect(printed.includes(raw)).toBe(false)
        expect(emitted.includes(raw)).toBe(false)
      }
    })
  })
})
