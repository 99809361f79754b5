import { createTokens } from '@tokens/core'
import { type Emulator, startEmulator } from '@tokens/emulator'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { redisCache } from '../src/index.js'
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

it('the Redis cache is the nonce store of Limited Login: a nonce used by one process is refused by another', async () => {
  const app = emu.createApp({ name: 'Redis App' })
  const user = emu.createUser({ name: 'Ada' })
  const clock = () => emu.now() * 1000
  const [a, b] = [1, 2].map(() =>
    createTokens({ ...emu.coreOptions(app), retries: 0, cache: redisCache({ url: server.url, clock }) }),
  ) as [ReturnType<typeof createTokens>, ReturnType<typeof createTokens>]
  const idToken = emu.issueLimitedLoginToken({ appId: app.id, userId: user.id, nonce: 'n-redis', lifetime: 600 })
  const person = await a.verify(idToken, { type: 'limited_login', nonce: 'n-redis' })
  expect(person.userId).toBe(user.id)
  await expect(b.verify(idToken, { type: 'limited_login', nonce: 'n-redis' })).rejects.toMatchObject({
    reason: 'nonce_mismatch',
  })
  // The verification is shared too, and neither the token nor the nonce is written in clear.
  await expect(b.verify(idToken, { type: 'limited_login' })).resolves.toMatchObject({ userId: user.id })
  const redis = new Redis(server.url)
  const keys = await redis.keys('*')
  const values = await Promise.all(keys.map(async (k) => ((await redis.type(k)) === 'string' ? redis.get(k) : '')))
  expect(`${keys.join()}${values.join()}`).not.toContain(idToken)
  expect(keys.join()).not.toContain('n-redis')
  redis.disconnect()
  await Promise.all([a.close(), b.close()])
})
