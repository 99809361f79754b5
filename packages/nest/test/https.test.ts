import { APP_GUARD } from '@nestjs/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TokenGuard, TokensModule } from '../src/index.js'
import { RoutesController } from './controllers.js'
import { type Answer, CapturingLogger, call, createWorld, leaks, PLATFORMS, startApp, type World } from './fixture.js'

// The HTTPS check reads NODE_ENV when the module starts: every app of this file starts in production.
const previousEnv = process.env.NODE_ENV
let w: World
beforeAll(async () => {
  process.env.NODE_ENV = 'production'
  w = await createWorld()
})
afterAll(async () => {
  if (previousEnv === undefined) delete process.env.NODE_ENV
  else process.env.NODE_ENV = previousEnv
  await w?.emu.close()
})

function userToken(): string {
  return w.emu.issueUserToken({ appId: w.app.id, userId: w.user.id, lifetime: 'long' })
}

async function start(platform: (typeof PLATFORMS)[number], options: { trustProxy?: boolean; allowInsecure?: boolean }) {
  const logger = new CapturingLogger()
  const module = TokensModule.forRoot({
    appId: w.app.id,
    appSecret: w.app.secret,
    graphUrl: w.emu.url,
    clock: () => w.emu.now() * 1000,
    ...(options.allowInsecure === undefined ? {} : { allowInsecure: options.allowInsecure }),
  })
  const started = await startApp(
    platform,
    { imports: [module], controllers: [RoutesController], providers: [{ provide: APP_GUARD, useClass: TokenGuard }] },
    logger,
    { trustProxy: options.trustProxy ?? false },
  )
  return { ...started, logger }
}

/** Starts the app before the tests of the enclosing `describe`, closes it after; `url()` is its address. */
function serving(platform: (typeof PLATFORMS)[number], options: Parameters<typeof start>[1]) {
  let started: Awaited<ReturnType<typeof start>> | undefined
  beforeAll(async () => {
    started = await start(platform, options)
  })
  afterAll(async () => {
    await started?.app.close()
  })
  const get = () => {
    if (started === undefined) throw new Error('the app did not start')
    return started
  }
  return { url: () => get().url, logged: () => get().logger.lines.join('\n') }
}

function expectRefusedAsInsecure(answer: Answer, raw: string): void {
  expect(answer.status).toBe(400)
  expect(answer.headers.get('www-authenticate')).toBe(
    'Bearer realm="api", error="invalid_request", error_description="Access tokens must be sent over HTTPS"',
  )
  expect(answer.body).toEqual({ error: 'invalid_request', error_description: 'Access tokens must be sent over HTTPS' })
  expect(leaks(answer, raw)).toBe(false)
}

describe.each(PLATFORMS)('NODE_ENV=production on %s', (platform) => {
  describe('plain HTTP, no proxy trusted', () => {
    const app = serving(platform, {})

    it('refuses a token with invalid_request before any Graph call', async () => {
      const raw = userToken()
      w.emu.resetCounts()
      expectRefusedAsInsecure(await call(app.url(), '/user', raw), raw)
      expectRefusedAsInsecure(await call(app.url(), '/optional', raw), raw)
      expect(w.emu.requestCount('/debug_token')).toBe(0)
      expect(app.logged()).not.toContain(raw)
    })

    it('still lets a request without a token through an optional route, and asks for one on a required route', async () => {
      expect((await call(app.url(), '/optional')).body).toEqual({ type: null })
      const missing = await call(app.url(), '/user')
      expect(missing.status).toBe(401)
      expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="api"')
    })

    it('does not believe X-Forwarded-Proto from a sender it does not trust', async () => {
      const raw = userToken()
      expectRefusedAsInsecure(await call(app.url(), '/user', raw, { headers: { 'x-forwarded-proto': 'https' } }), raw)
    })
  })

  describe('behind a trusted TLS-terminating proxy', () => {
    const app = serving(platform, { trustProxy: true })

    it('accepts the token when the proxy says the client used HTTPS', async () => {
      const answer = await call(app.url(), '/user', userToken(), { headers: { 'x-forwarded-proto': 'https' } })
      expect(answer.status).toBe(200)
      expect(answer.body).toEqual({ type: 'user', userId: w.user.id })
    })

    it('refuses it when the proxy says plain HTTP', async () => {
      const raw = userToken()
      expectRefusedAsInsecure(await call(app.url(), '/user', raw, { headers: { 'x-forwarded-proto': 'http' } }), raw)
    })
  })

  describe('allowInsecure: true', () => {
    const app = serving(platform, { allowInsecure: true })

    it('accepts tokens over plain HTTP', async () => {
      const answer = await call(app.url(), '/user', userToken())
      expect(answer.status).toBe(200)
      expect(answer.body).toEqual({ type: 'user', userId: w.user.id })
    })
  })
})
