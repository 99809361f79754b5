import { createTokens, type TokenError, type TokensEvent } from '@tokens/core'
import { expect, it } from 'vitest'
import { redisStore } from '../src/index.js'
import { useRedisAndEmulator } from './with-emulator.js'

const world = useRedisAndEmulator()

async function refusal(promise: Promise<unknown>): Promise<TokenError> {
  return promise.then(
    () => {
      throw new Error('expected a refusal')
    },
    (error: unknown) => error as TokenError,
  )
}

it('Redis going down during a login or a Page-token fetch is 503 store_unavailable, never the raw error; once back, the login goes through', async () => {
  const app = world.emu.createApp({ name: 'Store Down' })
  const user = world.emu.createUser({ name: 'Ada' })
  world.emu.createPage({ name: 'Bakery', admins: [user.id] })
  const clock = () => world.emu.now() * 1000
  const events: TokensEvent[] = []
  const store = redisStore({ url: world.server.url, clock, timeoutMs: 300 })
  const tokens = createTokens({
    appId: app.id,
    appSecret: app.secret,
    graphUrl: world.emu.url,
    clock,
    retries: 0,
    store,
    onEvent: (event) => events.push(event),
  })
  const short = await tokens.verify(
    world.emu.issueUserToken({ appId: app.id, userId: user.id, scopes: ['pages_show_list'], lifetime: 'short' }),
    { type: 'user' },
  )
  await world.server.kill()
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
    await world.server.restart()
  }
  // Meta's retry (the user logs in again) goes through and is stored.
  const calls = world.emu.requestCount('/oauth/access_token')
  const long = await tokens.exchangeForLongLived(short)
  expect(world.emu.requestCount('/oauth/access_token')).toBe(calls + 1)
  expect((await store.findUserToken(app.id, user.id))?.value).toBe(long.value)
  await tokens.close()
})
