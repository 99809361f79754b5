import { randomBytes } from 'node:crypto'
import { createTokens } from '@tokens/core'
import { Redis } from 'ioredis'
import { expect, it } from 'vitest'
import { redisCache, redisStore } from '../src/index.js'
import { useRedisAndEmulator } from './with-emulator.js'

const world = useRedisAndEmulator()

it('keeps what the core acquires, encrypted, with TTLs on the core clock, and revokeUser clears store and cache', async () => {
  const app = world.emu.createApp({ name: 'Redis App' })
  const user = world.emu.createUser({ name: 'Ada' })
  const pages = [1, 2].map((i) => world.emu.createPage({ name: `Page ${i}`, admins: [user.id] }))
  const clock = () => world.emu.now() * 1000
  const store = redisStore({
    url: world.server.url,
    clock,
    encryption: { keys: { k1: randomBytes(32) }, currentKeyId: 'k1' },
  })
  const tokens = createTokens({
    appId: app.id,
    appSecret: app.secret,
    graphUrl: world.emu.url,
    clock,
    retries: 0,
    store,
    cache: redisCache({ url: world.server.url, clock }),
  })
  const short = await tokens.verify(
    world.emu.issueUserToken({ appId: app.id, userId: user.id, scopes: ['pages_show_list'], lifetime: 'short' }),
    { type: 'user' },
  )
  const long = await tokens.exchangeForLongLived(short)
  const pageTokens = await tokens.pageTokens(long)
  expect(pageTokens.map((t) => t.pageId).sort()).toEqual(pages.map((p) => p.id).sort())
  expect((await store.findUserToken(app.id, user.id))?.value).toBe(long.value)

  const redis = new Redis(world.server.url)
  const ttl = await redis.pttl(`tokens:user:${app.id}:${user.id}`)
  const expected = (long.expiresAt as Date).getTime() - clock()
  expect(Math.abs(ttl - expected)).toBeLessThan(5000)
  const keys = await redis.keys('*')
  const values = await Promise.all(keys.map(async (k) => ((await redis.type(k)) === 'string' ? redis.get(k) : '')))
  for (const t of [short, long, ...pageTokens]) expect(`${keys.join()}${values.join()}`).not.toContain(t.value)

  await tokens.revokeUser(user.id)
  expect(await store.findUserToken(app.id, user.id)).toBeUndefined()
  expect(await store.listPageTokens(app.id, user.id)).toEqual([])
  expect(await redis.keys('tokens:index:*')).toEqual([])
  expect(await redis.keys('tokens:vu:*')).toEqual([])
  const calls = world.emu.requestCount('/debug_token')
  await tokens.verify(long.value) // its verification was forgotten: Graph is asked again
  expect(world.emu.requestCount('/debug_token')).toBe(calls + 1)
  redis.disconnect()
  await tokens.close()
})
