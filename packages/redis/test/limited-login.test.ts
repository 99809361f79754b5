import { createTokens } from '@tokens/core'
import { Redis } from 'ioredis'
import { expect, it } from 'vitest'
import { redisCache } from '../src/index.js'
import { useRedisAndEmulator } from './with-emulator.js'

const world = useRedisAndEmulator()

it('the Redis cache is the nonce store of Limited Login: a nonce used by one process is refused by another', async () => {
  const app = world.emu.createApp({ name: 'Redis App' })
  const user = world.emu.createUser({ name: 'Ada' })
  const clock = () => world.emu.now() * 1000
  const [a, b] = [1, 2].map(() =>
    createTokens({ ...world.emu.coreOptions(app), retries: 0, cache: redisCache({ url: world.server.url, clock }) }),
  ) as [ReturnType<typeof createTokens>, ReturnType<typeof createTokens>]
  const idToken = world.emu.issueLimitedLoginToken({ appId: app.id, userId: user.id, nonce: 'n-redis', lifetime: 600 })
  const person = await a.verify(idToken, { type: 'limited_login', nonce: 'n-redis' })
  expect(person.userId).toBe(user.id)
  await expect(b.verify(idToken, { type: 'limited_login', nonce: 'n-redis' })).rejects.toMatchObject({
    reason: 'nonce_mismatch',
  })
  // The verification is shared too, and neither the token nor the nonce is written in clear.
  await expect(b.verify(idToken, { type: 'limited_login' })).resolves.toMatchObject({ userId: user.id })
  const redis = new Redis(world.server.url)
  const keys = await redis.keys('*')
  const values = await Promise.all(keys.map(async (k) => ((await redis.type(k)) === 'string' ? redis.get(k) : '')))
  expect(`${keys.join()}${values.join()}`).not.toContain(idToken)
  expect(keys.join()).not.toContain('n-redis')
  redis.disconnect()
  await Promise.all([a.close(), b.close()])
})
