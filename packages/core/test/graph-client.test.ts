import { createServer } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createTokens, GraphApiError, TokenError, type TokensEvent } from '../src/index.js'
import { createFixture, type Fixture, rejection } from './fixture.js'

let f: Fixture
afterEach(async () => {
  await f?.close()
})

type GraphCallEvent = Extract<TokensEvent, { type: 'graph_call' }>

function graphCalls(): GraphCallEvent[] {
  return f.events.filter((e): e is GraphCallEvent => e.type === 'graph_call')
}

function userToken(scopes: string[] = ['public_profile']): string {
  return f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id, scopes, lifetime: 'long' })
}

/**
 * The real `fetch`, with the emulator's clock moved `seconds` while the call is under way (so the core,
 * on the same clock, sees the call take that long) and `after` run once each answer is in.
 */
function fetchTaking(seconds: number, after: (response: Response) => void = () => {}): typeof fetch {
  return async (input, init) => {
    f.emu.advanceTime(seconds)
    const response = await fetch(input, init)
    after(response)
    return response
  }
}

/** A Graph call made without the core: no `appsecret_proof`. */
async function withoutProof(method: 'POST' | 'DELETE', path: string, params: Record<string, string>) {
  const url = new URL(`/v25.0${path}`, f.emu.url)
  const fields = new URLSearchParams(params)
  const response =
    method === 'POST' ? await fetch(url, { method, body: fields }) : await fetch(`${url}?${fields}`, { method })
  return { status: response.status, body: (await response.json()) as { error?: { code?: number; message?: string } } }
}

/** An origin on which nothing listens. */
async function closedOrigin(): Promise<string> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())))
  return `http://127.0.0.1:${address.port}`
}

describe('graph_call events', () => {
  it('reports a successful call: method, unversioned path, status, duration, attempt and X-App-Usage', async () => {
    f = await createFixture({ fetch: fetchTaking(2) })
    f.emu.setUsage(f.app.id, { callCount: 37, totalTime: 12, totalCputime: 5 })
    const me = await f.tokens.graph.get<{ id: string }>('/me', { token: userToken(), params: { fields: 'id' } })
    expect(me.id).toBe(f.user.id)
    expect(graphCalls()).toEqual([
      {
        type: 'graph_call',
        method: 'GET',
        path: '/me',
        status: 200,
        durationMs: 2000,
        attempt: 0,
        usage: { callCount: 37, totalTime: 12, totalCputime: 5 },
      },
    ])
  })

  it('reports a Graph error with its HTTP status and Graph error code', async () => {
    f = await createFixture({ fetch: fetchTaking(1) })
    const dead = userToken()
    f.emu.invalidateToken(dead, 'password_changed')
    expect(await rejection(() => f.tokens.graph.get('/me', { token: dead }))).toBeInstanceOf(GraphApiError)
    const calls = graphCalls()
    expect(calls).toHaveLength(1) // an auth error is not retried
    expect(calls[0]).toMatchObject({
      type: 'graph_call',
      method: 'GET',
      path: '/me',
      status: 400,
      durationMs: 1000,
      attempt: 0,
      errorCode: 190,
    })
    expect(calls[0]?.error).toBeUndefined() // `error` is for calls that got no answer at all
  })

  it('carries the usage Graph reported with an error answer too', async () => {
    f = await createFixture()
    f.emu.setUsage(f.app.id, { callCount: 41, totalTime: 3, totalCputime: 2 })
    const dead = userToken()
    f.emu.invalidateToken(dead, 'password_changed')
    await rejection(() => f.tokens.graph.get('/me', { token: dead }))
    expect(graphCalls()[0]).toMatchObject({ errorCode: 190, usage: { callCount: 41, totalTime: 3, totalCputime: 2 } })
  })

  it('never shows a token the caller put in the path', async () => {
    f = await createFixture({ retries: 0 })
    const raw = userToken()
    await rejection(() => f.tokens.graph.get(`/debug_token/${raw}`, { token: raw }))
    const [call] = graphCalls()
    expect(call?.path).toBe('/debug_token/[redacted]')
    expect(JSON.stringify(f.events)).not.toContain(raw)
  })

  it('reports each attempt of a retried call, the failed one and the one that succeeded', async () => {
    f = await createFixture({ fetch: fetchTaking(0, () => f.emu.setFaults(null)) })
    f.emu.setFaults({ status: 503 }) // the first answer only: the fetch above clears it
    await f.tokens.graph.get('/me', { token: userToken() })
    const calls = graphCalls()
    expect(calls.map((e) => [e.attempt, e.status, e.errorCode])).toEqual([
      [0, 503, 2],
      [1, 200, undefined],
    ])
    expect(calls.map((e) => `${e.method} ${e.path}`)).toEqual(['GET /me', 'GET /me'])
    expect(calls[1]?.usage).toBeDefined()
    expect(f.emu.requestCount('/me')).toBe(2)
  })

  it('numbers the attempts of a call that is throttled throughout, up to the retries', async () => {
    f = await createFixture({ retries: { retries: 2, baseDelayMs: 1, maxDelayMs: 2 } })
    f.emu.setFaults({ errorCode: 4 })
    const error = (await rejection(() => f.tokens.graph.get('/me', { token: userToken() }))) as GraphApiError
    expect(error.category).toBe('throttle')
    expect(graphCalls().map((e) => [e.attempt, e.status, e.errorCode])).toEqual([
      [0, 400, 4],
      [1, 400, 4],
      [2, 400, 4],
    ])
    expect(f.emu.requestCount('/me')).toBe(3)
  })
})

describe('graph.post and graph.delete', () => {
  it('POSTs with appsecret_proof to an app that requires it', async () => {
    f = await createFixture()
    const page = f.pages[0]!
    const pageToken = f.emu.issuePageToken({ appId: f.app.id, userId: f.user.id, pageId: page.id, lifetime: 'long' })
    // The emulator refuses this app's calls without the proof...
    const bare = await withoutProof('POST', `/${page.id}/feed`, { access_token: pageToken, message: 'bare' })
    expect(bare.status).toBe(400)
    expect(bare.body.error).toMatchObject({
      code: 100,
      message: 'API calls from the server require an appsecret_proof argument',
    })
    // ...and takes the core's.
    const posted = await f.tokens.graph.post<{ id: string }>(`/${page.id}/feed`, {
      token: pageToken,
      params: { message: 'Fresh bread at 7' },
    })
    expect(posted).toEqual({ id: `${page.id}_1` })
    const feed = await f.tokens.graph.get<{ data: Array<{ id: string; message: string }> }>(`/${page.id}/feed`, {
      token: pageToken,
    })
    expect(feed.data.map((p) => [p.id, p.message])).toEqual([[`${page.id}_1`, 'Fresh bread at 7']])
    expect(graphCalls().map((e) => [e.method, e.path, e.status])).toEqual([
      ['POST', `/${page.id}/feed`, 200],
      ['GET', `/${page.id}/feed`, 200],
    ])
  })

  it('DELETEs with appsecret_proof: declines one permission, then removes the app', async () => {
    f = await createFixture()
    const raw = userToken(['email', 'pages_show_list'])
    const bare = await withoutProof('DELETE', `/${f.user.id}/permissions/email`, { access_token: raw })
    expect(bare.status).toBe(400)
    expect(bare.body.error?.message).toBe('API calls from the server require an appsecret_proof argument')

    expect(await f.tokens.graph.delete(`/${f.user.id}/permissions/email`, { token: raw })).toEqual({ success: true })
    const permissions = await f.tokens.graph.get<{ data: Array<{ permission: string; status: string }> }>(
      `/${f.user.id}/permissions`,
      { token: raw },
    )
    expect(permissions.data).toContainEqual({ permission: 'email', status: 'declined' })
    expect(permissions.data).toContainEqual({ permission: 'pages_show_list', status: 'granted' })

    expect(await f.tokens.graph.delete(`/${f.user.id}/permissions`, { token: raw })).toEqual({ success: true })
    expect(((await rejection(() => f.tokens.verify(raw))) as TokenError).reason).toBe('app_not_installed')
    expect(graphCalls().map((e) => [e.method, e.path])).toEqual([
      ['DELETE', `/${f.user.id}/permissions/email`],
      ['GET', `/${f.user.id}/permissions`],
      ['DELETE', `/${f.user.id}/permissions`],
      ['GET', '/debug_token'],
    ])
  })

  it('signs the proof with the configured secret: another secret is refused for POST and DELETE', async () => {
    f = await createFixture()
    const page = f.pages[0]!
    const pageToken = f.emu.issuePageToken({ appId: f.app.id, userId: f.user.id, pageId: page.id, lifetime: 'long' })
    const raw = userToken(['email'])
    const wrongSecret = createTokens({ appId: f.app.id, appSecret: f.otherApp.secret, graphUrl: f.emu.url })
    for (const call of [
      () => wrongSecret.graph.post(`/${page.id}/feed`, { token: pageToken, params: { message: 'x' } }),
      () => wrongSecret.graph.delete(`/${f.user.id}/permissions/email`, { token: raw }),
    ]) {
      const error = (await rejection(call)) as GraphApiError
      expect(error).toBeInstanceOf(GraphApiError)
      expect(error.code).toBe(100)
      expect(error.message).toBe('Invalid appsecret_proof provided in the API argument')
    }
    expect(f.emu.requestCount(`/${page.id}/feed`)).toBe(1)
    await wrongSecret.close()
  })
})

describe('GraphApiError from real Graph answers', () => {
  it("parses type, code, error_subcode and the answer's fbtrace_id", async () => {
    const traces: Array<string | null> = []
    f = await createFixture({ fetch: fetchTaking(0, (r) => traces.push(r.headers.get('x-fb-trace-id'))) })
    const dead = userToken()
    f.emu.invalidateToken(dead, 'password_changed')
    const auth = (await rejection(() => f.tokens.graph.get('/me', { token: dead }))) as GraphApiError
    expect(auth).toBeInstanceOf(GraphApiError)
    expect(auth).toMatchObject({
      name: 'GraphApiError',
      httpStatus: 400,
      code: 190,
      subcode: 460,
      type: 'OAuthException',
      isTransient: false,
      category: 'auth',
    })
    expect(auth.fbtraceId).toEqual(expect.any(String))
    expect(auth.fbtraceId).toBe(traces.at(-1))

    const missing = (await rejection(() =>
      f.tokens.graph.get('/999999999', { token: f.tokens.appToken() }),
    )) as GraphApiError
    expect(missing).toMatchObject({ httpStatus: 400, code: 100, subcode: 33, type: 'GraphMethodException' })
    expect(missing.fbtraceId).toBe(traces.at(-1))
    expect(missing.fbtraceId).not.toBe(auth.fbtraceId)
  })

  it('parses is_transient from a transient answer', async () => {
    f = await createFixture({ retries: 0 })
    f.emu.setFaults({ errorCode: 2 })
    const error = (await rejection(() => f.tokens.graph.get('/me', { token: userToken() }))) as GraphApiError
    expect(error).toMatchObject({ httpStatus: 500, code: 2, isTransient: true, category: 'transient' })
    expect(error.retryable).toBe(true)
  })
})

describe('Graph unreachable', () => {
  async function expectUnavailable(verify: () => Promise<unknown>): Promise<void> {
    const error = (await rejection(verify)) as TokenError
    expect(error).toBeInstanceOf(TokenError)
    expect(error.code).toBe('graph_unavailable')
    expect(error.reason).toBeUndefined()
    expect(error.status).toBe(503)
    expect(error.headers['Retry-After']).toMatch(/^[1-9]\d*$/)
    expect(error.headers['WWW-Authenticate']).toBeUndefined()
  }

  it('answers graph_unavailable, never invalid_token, when nothing listens at graphUrl', async () => {
    f = await createFixture({ graphUrl: await closedOrigin() })
    const raws = [
      userToken(),
      f.emu.issuePageToken({ appId: f.app.id, userId: f.user.id, pageId: f.pages[0]!.id, lifetime: 'long' }),
      f.emu.issueSystemUserToken({ appId: f.app.id, userId: f.user.id, expiresIn: 0 }),
      f.emu.appToken(f.app.id),
      `EAA${'x'.repeat(60)}`, // unknown to Graph, but Graph cannot be asked
    ]
    for (const raw of raws) {
      await expectUnavailable(() => f.tokens.verify(raw))
      await expectUnavailable(() => f.tokens.authenticate({ headers: { authorization: `Bearer ${raw}` } }))
    }
    expect(f.emu.requestCount()).toBe(0)
    const calls = graphCalls()
    expect(calls.length).toBe(raws.length * 2 * 3) // each verification: the first attempt and 2 retries
    expect(new Set(calls.map((e) => `${e.method} ${e.path} ${e.status} ${e.error}`))).toEqual(
      new Set(['GET /debug_token 0 Graph API could not be reached']),
    )
    expect(calls.slice(0, 3).map((e) => e.attempt)).toEqual([0, 1, 2])
  })

  it('answers graph_unavailable once the emulator has closed', async () => {
    f = await createFixture()
    const raw = userToken()
    await f.emu.close()
    await expectUnavailable(() => f.tokens.verify(raw))
  })
})
