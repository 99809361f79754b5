import { createHmac } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import {
  type CachedVerification,
  createTokens,
  extractToken,
  GraphApiError,
  LruVerificationCache,
  parseSignedRequest,
  type TokenError,
  type TokensEvent,
  type VerificationCache,
} from '../src/index.js'
import { createFixture, type Fixture, rejection } from './fixture.js'

let f: Fixture | undefined
const servers: Server[] = []
afterEach(async () => {
  await f?.close()
  f = undefined
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve))
})

/** A local "Graph" that answers every call with `answer(url)`; `hang` never answers. */
async function fakeGraph(answer: ((url: URL) => { status: number; body: unknown }) | 'hang'): Promise<string> {
  const server = createServer((req, res) => {
    if (answer === 'hang') return
    const { status, body } = answer(new URL(req.url ?? '/', 'http://graph.test'))
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

describe('a cache shared by two apps', () => {
  it('never answers for the other app: keys carry the app, and a hit re-checks it', async () => {
    f = await createFixture()
    const shared = new LruVerificationCache()
    const ours = createTokens({ ...f.emu.coreOptions(f.app), cache: shared })
    const theirs = createTokens({ ...f.emu.coreOptions(f.otherApp), cache: shared })
    const token = f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id })
    expect((await ours.verify(token)).appId).toBe(f.app.id)
    const calls = f.emu.requestCount('/debug_token')
    const refused = (await rejection(() => theirs.verify(token))) as TokenError
    expect([refused.code, refused.reason]).toEqual(['invalid_token', 'wrong_app'])
    expect(f.emu.requestCount('/debug_token')).toBe(calls + 1) // its own verdict, not ours
    // their rejection does not shut our user out
    expect((await ours.verify(token)).type).toBe('user')
    await ours.close()
    await theirs.close()
  })

  it('refuses an entry of another app written under our key (a forged or foreign cache write)', async () => {
    f = await createFixture()
    const entries = new Map<string, CachedVerification>()
    const forging: VerificationCache = {
      get: (key) => entries.get(key),
      set: (key, entry) => {
        entries.set(key, entry)
      },
      deleteUser: () => {},
    }
    const tokens = createTokens({ ...f.emu.coreOptions(f.app), cache: forging })
    const token = f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id })
    await tokens.verify(token)
    for (const [key, entry] of entries) {
      if (entry.outcome === 'valid') entries.set(key, { ...entry, info: { ...entry.info, appId: f.otherApp.id } })
    }
    const calls = f.emu.requestCount('/debug_token')
    expect(((await rejection(() => tokens.verify(token))) as TokenError).reason).toBe('wrong_app')
    expect(f.emu.requestCount('/debug_token')).toBe(calls)
    await tokens.close()
  })
})

describe('client tokens', () => {
  it('satisfy only a requirement that names client', async () => {
    f = await createFixture()
    const client = `${f.app.id}|${f.app.clientToken}`
    expect((await f.tokens.verify(client, { type: 'client' })).type).toBe('client')
    expect((await f.tokens.verify(client, { type: ['user', 'client'] })).type).toBe('client')
    for (const requirement of [{}, { type: 'user' as const }, { scopes: [] }]) {
      const refused = (await rejection(() => f!.tokens.verify(client, requirement))) as TokenError
      expect([refused.status, refused.code, refused.reason]).toEqual([401, 'invalid_token', 'client_token'])
    }
  })

  it('sign nobody in on an optional authentication, and stay available to a later requirement naming client', async () => {
    f = await createFixture()
    const req = { headers: { authorization: `Bearer ${f.app.id}|${f.app.clientToken}` } }
    expect(await f.tokens.authenticate(req)).toBeUndefined()
    expect(f.tokens.authorize(undefined, { type: 'client' }, req).type).toBe('client')
    expect(((await rejection(async () => f!.tokens.authorize(undefined, {}, req))) as TokenError).reason).toBe(
      'client_token',
    )
    // another request gets nothing of it
    expect(
      ((await rejection(async () => f!.tokens.authorize(undefined, { type: 'client' }, { headers: {} }))) as TokenError)
        .code,
    ).toBe('token_required')
    const required = (await rejection(() => f!.tokens.authenticate(req, { required: true }))) as TokenError
    expect(required.reason).toBe('client_token')
  })
})

describe('two Authorization headers', () => {
  it('are refused in any case and order, from Node and from Fastify requests', () => {
    const raw = [
      'Host',
      'x',
      'Authorization',
      'Bearer AAAAAAAAAAAAAAAAAAAAAAAA',
      'authorization',
      'Bearer BBBBBBBBBBBBBBBBBBBBBBBB',
    ]
    const headers = { authorization: 'Bearer AAAAAAAAAAAAAAAAAAAAAAAA' }
    for (const req of [
      { headers, rawHeaders: raw },
      { headers, raw: { rawHeaders: raw } },
    ]) {
      let error: TokenError | undefined
      try {
        extractToken(req)
      } catch (e) {
        error = e as TokenError
      }
      expect(error?.code).toBe('invalid_request')
    }
    expect(extractToken({ headers, rawHeaders: raw.slice(0, 4) })).toBe('AAAAAAAAAAAAAAAAAAAAAAAA')
  })
})

describe('cookie-borne tokens and CSRF', () => {
  const token = 'EAAB0123456789abcdefghij'
  const cookie = { cookie: `fb=${token}`, host: 'api.example' }
  const sources = { sources: { header: false, cookie: 'fb' } }
  const outcome = (method: string, headers: Record<string, string>, options = {}) => {
    try {
      return extractToken({ method, headers: { ...cookie, ...headers } }, { ...sources, ...options })
    } catch (error) {
      return (error as TokenError).code
    }
  }

  it('are refused on unsafe requests from another site, accepted from the same origin or a non-browser', () => {
    expect(outcome('POST', { 'sec-fetch-site': 'cross-site' })).toBe('invalid_request')
    expect(outcome('POST', { 'sec-fetch-site': 'same-site' })).toBe('invalid_request')
    expect(outcome('DELETE', { origin: 'https://evil.example' })).toBe('invalid_request')
    expect(outcome('POST', { origin: 'null' })).toBe('invalid_request')
    expect(outcome('POST', { 'sec-fetch-site': 'same-origin' })).toBe(token)
    expect(outcome('POST', { origin: 'https://api.example' })).toBe(token)
    expect(outcome('POST', {})).toBe(token)
    expect(outcome('GET', { 'sec-fetch-site': 'cross-site' })).toBe(token)
    expect(outcome('POST', { 'sec-fetch-site': 'cross-site' }, { allowCrossSiteCookies: true })).toBe(token)
  })
})

describe('a signed_request has one spelling', () => {
  it('refuses the other spellings of the same signature bytes', () => {
    const secret = 'key'
    const payload = Buffer.from(JSON.stringify({ user_id: '1', algorithm: 'HMAC-SHA256', issued_at: 1 })).toString(
      'base64url',
    )
    const signature = createHmac('sha256', secret).update(payload).digest('base64url')
    expect(signature).toHaveLength(43)
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const last = alphabet.indexOf(signature.at(-1) as string)
    const spellings = [0, 1, 2, 3].map((low) => `${signature.slice(0, -1)}${alphabet[(last & ~3) | low]}`)
    const accepted = spellings.filter((spelled) => {
      try {
        parseSignedRequest(`${spelled}.${payload}`, secret, { maxAgeSeconds: 0 })
        return true
      } catch {
        return false
      }
    })
    expect(spellings.filter((s) => !Buffer.from(s, 'base64url').equals(Buffer.from(signature, 'base64url')))).toEqual(
      [],
    )
    expect(accepted).toEqual([signature])
  })
})

describe('deadlines', () => {
  it('bound the whole verification, retries and back-off included', async () => {
    const graphUrl = await fakeGraph('hang')
    const tokens = createTokens({
      appId: '1234',
      appSecret: 'secret-secret',
      graphUrl,
      timeoutMs: 150,
      retries: { retries: 5, baseDelayMs: 100, maxDelayMs: 100 },
    })
    const started = Date.now()
    const error = (await rejection(() => tokens.verify('EAAB0123456789abcdefghijk'))) as TokenError
    expect(error.code).toBe('graph_unavailable')
    // five attempts of 150 ms with back-off would take over 1.2 s
    expect(Date.now() - started).toBeLessThan(1000)
    await tokens.close()
  })

  it('answer a full queue at once with 503 and Retry-After: 1', async () => {
    const graphUrl = await fakeGraph('hang')
    const tokens = createTokens({
      appId: '1234',
      appSecret: 'secret-secret',
      graphUrl,
      timeoutMs: 400,
      maxConcurrentVerifications: 1,
      maxQueuedVerifications: 2,
    })
    const outcomes: Array<Promise<unknown>> = []
    for (let i = 0; i < 3; i++) outcomes.push(rejection(() => tokens.verify(`EAAB0123456789abcdefghij${i}`)))
    const refused = (await rejection(() => tokens.verify('EAAB0123456789abcdefghijz'))) as TokenError
    expect([refused.code, refused.headers['Retry-After']]).toEqual(['graph_unavailable', '1'])
    for (const error of await Promise.all(outcomes)) expect((error as TokenError).code).toBe('graph_unavailable')
    await tokens.close()
  })
})

describe('refused app credentials', () => {
  it('are misconfigured (500), reported as an event, and found by checkCredentials()', async () => {
    f = await createFixture()
    const events: TokensEvent[] = []
    const wrong = createTokens({
      appId: f.app.id,
      appSecret: 'not-the-secret',
      graphUrl: f.emu.url,
      retries: 0,
      onEvent: (event) => events.push(event),
    })
    const token = f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id })
    const error = (await rejection(() => wrong.verify(token))) as TokenError
    expect([error.code, error.status, error.headers['Retry-After']]).toEqual(['misconfigured', 500, undefined])
    expect(error.toResponse().body.error_description).not.toMatch(/secret|signature/i)
    expect(events).toContainEqual(expect.objectContaining({ type: 'error', where: 'credentials' }))
    expect(JSON.stringify(events)).not.toContain('not-the-secret')
    expect(((await rejection(() => wrong.checkCredentials())) as TokenError).code).toBe('misconfigured')
    await f.tokens.checkCredentials()
    const unknownApp = createTokens({ appId: '999999', appSecret: f.app.secret, graphUrl: f.emu.url, retries: 0 })
    expect(((await rejection(() => unknownApp.checkCredentials())) as TokenError).code).toBe('misconfigured')
    await wrong.close()
    await unknownApp.close()
  })

  it('are misconfigured in a login code exchange too, without a retry', async () => {
    f = await createFixture()
    const wrong = createTokens({ appId: f.app.id, appSecret: 'not-the-secret', graphUrl: f.emu.url })
    const before = f.emu.requestCount('/oauth/access_token')
    const error = (await rejection(() =>
      wrong.exchangeCode({ code: 'some-login-code', redirectUri: 'http://localhost:3000/callback' }),
    )) as TokenError
    expect(error.code).toBe('misconfigured')
    expect(f.emu.requestCount('/oauth/access_token')).toBe(before + 1)
    await wrong.close()
  })
})

describe('what Graph echoes back', () => {
  it('never shows a token parameter or a token in the path, in events or errors', async () => {
    const graphUrl = await fakeGraph((url) => ({
      status: 400,
      body: { error: { message: `Bad call: ${url.pathname}?${url.searchParams}`, type: 'OAuthException', code: 100 } },
    }))
    const events: TokensEvent[] = []
    const tokens = createTokens({
      appId: '1234',
      appSecret: 'secret-secret',
      graphUrl,
      onEvent: (event) => events.push(event),
    })
    const secrets = [
      'EAABsecretInput0123456789',
      'EAABexchange0123456789ab',
      'login-code-0123456789',
      'EAABinpath0123456789abcd',
    ]
    const error = await rejection(() =>
      tokens.graph.get(`/${secrets[3]}/permissions`, {
        params: {
          input_token: secrets[0],
          fb_exchange_token: secrets[1],
          code: secrets[2],
          client_secret: 'another-secret',
        },
      }),
    )
    expect(error).toBeInstanceOf(GraphApiError)
    const shown = JSON.stringify(events) + String((error as Error).message)
    for (const secret of [...secrets, 'another-secret', 'secret-secret']) expect(shown).not.toContain(secret)
    expect(events.find((e) => e.type === 'graph_call')).toMatchObject({ path: '/[redacted]/permissions' })
    await tokens.close()
  })
})

describe('an answer Graph should not have given', () => {
  it('is a graph_unavailable with a GraphApiError cause, never a TypeError (the caller did nothing wrong)', async () => {
    const graphUrl = await fakeGraph((url) =>
      url.pathname.endsWith('/debug_token')
        ? {
            status: 200,
            body: { data: { is_valid: true, type: 'PAGE', app_id: '1234', profile_id: '77', scopes: [] } },
          }
        : { status: 200, body: url.pathname.endsWith('/oauth/access_token') ? { token_type: 'bearer' } : [] },
    )
    const tokens = createTokens({ appId: '1234', appSecret: 'secret-secret', graphUrl, retries: 0 })
    const noToken = (await rejection(() =>
      tokens.exchangeCode({ code: 'login-code-0123456789', redirectUri: 'https://example.com/cb' }),
    )) as TokenError
    expect([noToken.code, noToken.status]).toEqual(['graph_unavailable', 503])
    expect(noToken.cause).toBeInstanceOf(GraphApiError)
    expect(noToken).not.toBeInstanceOf(TypeError)
    await tokens.close()
  })
})
