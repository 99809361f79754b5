import { createTokens, type TokenError, type TokensEvent } from '@tokens/core'
import { type Emulator, startEmulator } from '@tokens/emulator'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { redisStore } from '../src/index.js'
import { startRedis, type TestRedis } from './redis-server.js'

let server: TestRedis
let emu: Emulator
beforeAll(async () => {
  server = await startRedis()
  emu = await startEmulator({ port: 0, now: 1_750_000_000, freezeClock: true })
})
afterAll(async () => {
  await emu.close()
  await server.stop()
})

async function refusal(promise: Promise<unknown>): Promise<TokenError> {
  return promise.then(
    () => {
      throw new Error('expected a refusal')
    },
    (error: unknown) => error as TokenError,
  )
}

it('Redis going down during a login or a Page-token fetch is 503 store_unavailable, never the raw error; once back, the login goes through', async () => {
  const app = emu.createApp({ name: 'Store Down' })
  const user = emu.createUser({ name: 'Ada' })
  emu.createPage({ name: 'Bakery', admins: [user.id] })
  const clock = () => emu.now() * 1000
  const events: TokensEvent[] = []
  const store = redisStore({ url: server.url, clock, timeoutMs: 300 })
  const tokens = createTokens({
    appId: app.id,
    appSecret: app.secret,
    graphUrl: emu.url,
    clock,
    retries: 0,
    store,
    onEvent: (event) => events.push(event),
  })
  const short = await tokens.verify(
    emu.issueUserToken({ appId: app.id, userId: user.id, scopes: ['pages_show_list'], lifetime: 'short' }),
    { type: 'user' },
  )
  await server.kill()
  try {
    const exchange = await refusal(tokens.exchangeForLongLived(short))
    expect([exchange.code, exchange.status]).toEqual(['store_unavailable', 503])
    expect(Number(exchange.headers['Retry-After'])).toBeGreaterThanOrEqual(1)
    expect(exchange.toResponse().body).toEqual({
      error: 'store_unavailable',
      error_description: 'The token store is unavailable',
    })
    const pages = await refusal(tokens.pageTokens(short))
    expect(pages.code).toBe('store_unavailable')
    const revoke = await refusal(tokens.revokeUser(user.id))
    expect(revoke.code).toBe('store_unavailable')
    expect(events.filter((e) => e.type === 'error' && e.where === 'store').length).toBeGreaterThanOrEqual(3)
  } finally {
    await server.restart()
  }
  // Meta's retry (the user logs in again) goes through and is stored.
  const calls = emu.requestCount('/oauth/access_token')
  const long = await tokens.exchangeForLongLived(short)
  expect(emu.requestCount('/oauth/access_token')).toBe(calls + 1)
  expect((await store.findUserToken(app.id, user.id))?.value).toBe(long.value)
  await tokens.close()
})
