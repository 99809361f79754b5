import { Writable } from 'node:stream'
import { isTokenError } from '@tokens/core'
import type { NodeInfo } from '@tokens/emulator'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { logSerializers, sendTokenError, type TokensPluginOptions, tokens } from '../src/index.js'
import { expectRejection, type Harness, useHarness } from './harness.js'

describe('the tokens plugin', () => {
  const harness = useHarness()
  let h: Harness
  let ada: NodeInfo

  beforeEach(() => {
    h = harness()
    ada = h.user()
  })
  afterEach(() => {
    vi.unstubAllEnvs()
  })

  async function app(
    options: Partial<TokensPluginOptions> = {},
    server: FastifyServerOptions = {},
    setUp?: (app: FastifyInstance) => void,
  ) {
    const fastify = Fastify(server)
    setUp?.(fastify)
    await fastify.register(tokens, { tokens: h.core(), ...options } as TokensPluginOptions)
    fastify.get('/any', async (request) => ({ type: request.token?.type ?? null }))
    fastify.post('/any', async (request) => ({ type: request.token?.type ?? null }))
    fastify.get('/user', { preHandler: fastify.requireToken('user') }, async (request) => ({
      userId: request.token.userId,
    }))
    return fastify
  }

  describe('HTTPS guard (NODE_ENV=production when the plugin is registered)', () => {
    beforeEach(() => {
      vi.stubEnv('NODE_ENV', 'production')
    })

    it('over plain HTTP: 400 invalid_request before any Graph call; without a token: passes', async () => {
      const url = await h.serve(await app())
      h.emu.resetCounts()
      expectRejection(await h.call(`${url}/any`, { token: h.userToken(ada) }), {
        status: 400,
        error: 'invalid_request',
        challenge:
          'Bearer realm="api", error="invalid_request", error_description="Access tokens must be sent over HTTPS"',
      })
      expect(h.emu.requestCount('/debug_token')).toBe(0)
      expect((await h.call(`${url}/any`)).body).toEqual({ type: null })
    })

    it('behind a proxy Fastify trusts (trustProxy), X-Forwarded-Proto: https is accepted; from an untrusted client it is not', async () => {
      const trusted = await h.serve(await app({}, { trustProxy: true }))
      const headers = { 'x-forwarded-proto': 'https' }
      expect((await h.call(`${trusted}/user`, { token: h.userToken(ada), headers })).status).toBe(200)
      const untrusted = await h.serve(await app())
      const refused = await h.call(`${untrusted}/user`, { token: h.userToken(ada), headers })
      expectRejection(refused, { status: 400, error: 'invalid_request' })
    })

    it('allowInsecure: true accepts plain HTTP in production', async () => {
      const url = await h.serve(await app({ allowInsecure: true }))
      expect((await h.call(`${url}/user`, { token: h.userToken(ada) })).status).toBe(200)
    })
  })

  it('outside production plain HTTP is accepted', async () => {
    vi.stubEnv('NODE_ENV', 'development')
    const url = await h.serve(await app())
    expect((await h.call(`${url}/user`, { token: h.userToken(ada) })).status).toBe(200)
  })

  it('a token in a form body: read after Fastify parsed it (preValidation) when the options enable that source', async () => {
    const fastify = Fastify()
    fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
      done(null, Object.fromEntries(new URLSearchParams(body as string))),
    )
    await fastify.register(tokens, {
      appId: h.app.id,
      appSecret: h.app.secret,
      graphUrl: h.emu.url,
      clock: () => h.emu.now() * 1000,
      tokenSources: { header: true, body: true },
    })
    fastify.post('/any', async (request) => ({ type: request.token?.type ?? null }))
    const url = await h.serve(fastify)
    const answer = await h.call(`${url}/any`, { form: { access_token: h.userToken(ada) } })
    expect(answer).toMatchObject({ status: 200, body: { type: 'user' } })
    await fastify.tokens.close()
  })

  it('a token in a form body with a shared core that reads bodies: the plugin asks the core, and verifies after parsing', async () => {
    const fastify = Fastify()
    fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
      done(null, Object.fromEntries(new URLSearchParams(body as string))),
    )
    await fastify.register(tokens, { tokens: h.core({ tokenSources: { header: true, body: true } }) })
    fastify.post('/any', async (request) => ({ type: request.token?.type ?? null }))
    const url = await h.serve(fastify)
    const answer = await h.call(`${url}/any`, { form: { access_token: h.userToken(ada) } })
    expect(answer).toMatchObject({ status: 200, body: { type: 'user' } })
  })

  it('wrapped with fastify-plugin: routes of child plugins see request.token, and use app.requireToken', async () => {
    const fastify = Fastify()
    await fastify.register(tokens, { tokens: h.core() })
    await fastify.register(
      async (child) => {
        child.get('/user', { preHandler: child.requireToken('user') }, async (request) => ({
          userId: request.token.userId,
        }))
      },
      { prefix: '/v1' },
    )
    const url = await h.serve(fastify)
    expect((await h.call(`${url}/v1/user`, { token: h.userToken(ada) })).body).toEqual({ userId: ada.id })
    expectRejection(await h.call(`${url}/v1/user`), { status: 401, error: 'token_required' })
  })

  it("the app's setErrorHandler gets every TokenError (with status and headers) and can fall back to sendTokenError", async () => {
    const seen: string[] = []
    const fastify = await app({}, {}, (f) =>
      f.setErrorHandler((error, _request, reply) => {
        if (!isTokenError(error)) return reply.send(error)
        seen.push(`${error.code} ${error.status}`)
        if (error.code === 'token_required')
          return reply.code(error.status).headers(error.headers).send({ custom: true })
        return sendTokenError(reply, error)
      }),
    )
    const url = await h.serve(fastify)
    const custom = await h.call(`${url}/user`)
    expect(custom).toMatchObject({ status: 401, body: { custom: true } })
    expect(custom.headers['www-authenticate']).toBe('Bearer realm="api"')
    expectRejection(await h.call(`${url}/any`, { token: h.track('abc123') }), {
      status: 401,
      error: 'invalid_token',
      reason: 'malformed',
    })
    expect(seen).toEqual(['token_required 401', 'invalid_token 401'])
  })

  it('misconfigured (Graph refuses the app secret): 500 with the core body, logged through request.log without secrets', async () => {
    const lines: string[] = []
    const stream = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk))
        callback()
      },
    })
    const fastify = Fastify({ logger: { level: 'info', stream } })
    const wrong = 'wrongAppSecret0123456789'
    await fastify.register(tokens, { tokens: h.core({ appSecret: wrong }) })
    fastify.get('/any', async (request) => ({ type: request.token?.type ?? null }))
    const url = await h.serve(fastify)
    const answer = await h.call(`${url}/any`, { token: h.userToken(ada) })
    expect(answer.status).toBe(500)
    expect(answer.body).toMatchObject({ error: 'misconfigured' })
    expect(answer.headers['www-authenticate']).toBeUndefined()
    expect(answer.headers['retry-after']).toBeUndefined()
    const log = lines.join('')
    expect(log).toContain('"code":"misconfigured"')
    expect(log).toContain('"level":50')
    expect(log).not.toContain(wrong)
    h.assertNoLeak(log, 'the Fastify log')
  })

  it('logging request.token through request.log shows a redacted form only', async () => {
    const lines: string[] = []
    const stream = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk))
        callback()
      },
    })
    const fastify = Fastify({ logger: { level: 'info', stream } })
    await fastify.register(tokens, { tokens: h.core() })
    fastify.get('/any', async (request) => {
      request.log.info({ token: request.token }, 'who')
      return {}
    })
    const url = await h.serve(fastify)
    const raw = h.userToken(ada)
    expect((await h.call(`${url}/any`, { token: raw })).status).toBe(200)
    expect(lines.join('')).toContain('"msg":"who"')
    h.assertNoLeak(lines.join(''), 'the Fastify log')
  })

  it('logSerializers: the request log line shows the URL with access_token redacted', async () => {
    const lines: string[] = []
    const stream = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk))
        callback()
      },
    })
    const fastify = Fastify({ logger: { level: 'info', stream, serializers: logSerializers } })
    await fastify.register(tokens, { tokens: h.core() })
    fastify.get('/any', async (request) => ({ type: request.token?.type ?? null }))
    const url = await h.serve(fastify)
    const raw = h.userToken(ada)
    const answer = await h.call(`${url}/any?a=1&access_token=${encodeURIComponent(raw)}&access_token=${raw}`)
    expect(answer.body).toMatchObject({ error: 'invalid_request' }) // sent twice
    await h.call(`${url}/any?access_token[]=${raw}`)
    expect((await h.call(`${url}/any?access_token=${encodeURIComponent(raw)}`)).body).toEqual({ type: 'user' })
    const log = lines.join('')
    expect(log).toContain('"url":"/any?a=1&access_token=[redacted]&access_token=[redacted]"')
    expect(log).toContain('"url":"/any?access_token[]=[redacted]"')
    h.assertNoLeak(log, 'the Fastify log')
  })

  it('startup mistakes throw a TypeError naming the option', async () => {
    await expect(
      Fastify()
        .register(tokens, { appId: '1234' } as TokensPluginOptions)
        .ready(),
    ).rejects.toThrow(/appSecret/)
    await expect(
      Fastify()
        .register(tokens, { tokens: h.core(), hook: 'onSend' } as unknown as TokensPluginOptions)
        .ready(),
    ).rejects.toThrow(/`hook` must be/)
    const fastify = Fastify()
    await fastify.register(tokens, { tokens: h.core() })
    expect(() => fastify.requireToken('pgae' as 'page')).toThrow(TypeError)
    expect(() => fastify.requireToken('user', { scopes: [1 as unknown as string] })).toThrow(TypeError)
    await fastify.close()
  })
})
