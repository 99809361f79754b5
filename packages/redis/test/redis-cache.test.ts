import { createHash } from 'node:crypto'
import { createTokens, type Tokens, type TokensEvent } from '@tokens/core'
import { type AppInfo, type Emulator, type NodeInfo, startEmulator } from '@tokens/emulator'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type RedisCacheOptions, redisCache } from '../src/index.js'
import { freePort, startRedis, type TestRedis } from './redis-server.js'

let server: TestRedis
let redis: Redis
let emu: Emulator
let app: AppInfo
let user: NodeInfo
beforeAll(async () => {
  server = await startRedis()
  redis = new Redis(server.url)
  redis.on('error', () => {}) // tests stop the server on purpose; this observer reconnects quietly
  emu = await startEmulator({ port: 0, now: 1_750_000_000, freezeClock: true })
  app = emu.createApp({ name: 'Redis Cache Test' })
  user = emu.createUser({ name: 'Grace Hopper' })
})
afterAll(async () => {
  redis.disconnect()
  await emu.close()
  await server.stop()
})

let n = 0
const open: Tokens[] = []
afterEach(async () => {
  for (const t of open.splice(0)) await t.close()
})

/** A core on the emulator's clock with its own redisCache (one "instance" of the app). */
function instance(
  prefix: string,
  options: Pick<RedisCacheOptions, 'lockTtlMs' | 'waitMs' | 'commandTimeoutMs'> & { redis?: Redis; url?: string } = {},
) {
  const events: TokensEvent[] = []
  const errors: Error[] = []
  const clock = () => emu.now() * 1000
  const tokens = createTokens({
    appId: app.id,
    appSecret: app.secret,
    graphUrl: emu.url,
    clock,
    retries: 0,
    timeoutMs: 1000,
    onEvent: (e) => events.push(e),
    cache: redisCache({
      ...(options.redis ? { redis: options.redis } : { url: options.url ?? server.url }),
      prefix,
      clock,
      onError: (e) => errors.push(e),
      lockTtlMs: options.lockTtlMs,
      waitMs: options.waitMs,
      commandTimeoutMs: options.commandTimeoutMs,
    }),
  })
  open.push(tokens)
  return { tokens, events, errors }
}

const freshPrefix = () => `rc${++n}:`
const newToken = () => emu.issueUserToken({ appId: app.id, userId: user.id, scopes: ['public_profile'] })
/** The core's cache key of `raw` for this app: the token's SHA-256 and the verifying app's id. */
const cacheKey = (raw: string) => `${createHash('sha256').update(raw).digest('hex')}:${app.id}`
/** What `tokens` says of `raw` now: `'accepted'` or the refusal's code. */
const verdict = (tokens: Tokens, raw: string) =>
  tokens.verify(raw).then(
    () => 'accepted',
    (e: { code?: string }) => e.code,
  )

describe('redisCache', () => {
  it('shares verifications: a second instance makes no Graph call, and Redis holds no raw token', async () => {
    const prefix = freshPrefix()
    const a = instance(prefix)
    const b = instance(prefix)
    const raw = newToken()
    const before = emu.requestCount('/debug_token')
    expect((await a.tokens.verify(raw)).type).toBe('user')
    expect(emu.requestCount('/debug_token')).toBe(before + 1)
    expect((await b.tokens.verify(raw)).type).toBe('user')
    expect(emu.requestCount('/debug_token')).toBe(before + 1)
    expect(b.events.find((e) => e.type === 'verify')).toMatchObject({ cached: true, outcome: 'valid' })
    const keys = await redis.keys(`${prefix}*`)
    expect(keys).toContain(`${prefix}v:${cacheKey(raw)}`)
    expect(keys).toContain(`${prefix}vu:${user.id}`)
    const values = await Promise.all(keys.map(async (k) => ((await redis.type(k)) === 'string' ? redis.get(k) : '')))
    expect(values.join('\n')).toContain(user.id)
    expect(`${keys.join('\n')}${values.join('\n')}`).not.toContain(raw)
    expect(await redis.pttl(`${prefix}v:${cacheKey(raw)}`)).toBeGreaterThan(0)
  })

  it('coalesces concurrent verifications of one token across instances into one Graph call', async () => {
    const prefix = freshPrefix()
    const instances = [instance(prefix), instance(prefix), instance(prefix)]
    const raws = [newToken(), newToken(), newToken(), newToken()]
    const before = emu.requestCount('/debug_token')
    emu.setFaults({ latencyMs: 50 })
    try {
      const results = await Promise.all(
        instances.flatMap(({ tokens }) => raws.flatMap((raw) => [tokens.verify(raw), tokens.verify(raw)])),
      )
      expect(results).toHaveLength(24)
    } finally {
      emu.setFaults(null)
    }
    expect(emu.requestCount('/debug_token')).toBe(before + raws.length)
  })

  it('takes over from a lock holder that died, once its lock expires', async () => {
    const prefix = freshPrefix()
    const a = instance(prefix, { lockTtlMs: 200 })
    const raw = newToken()
    await redis.set(`${prefix}lock:${cacheKey(raw)}`, 'a-dead-holder', 'PX', 200)
    const before = emu.requestCount('/debug_token')
    expect((await a.tokens.verify(raw)).type).toBe('user')
    expect(emu.requestCount('/debug_token')).toBe(before + 1)
  })

  it('waits a bounded time for a live holder, then verifies by itself', async () => {
    const prefix = freshPrefix()
    const a = instance(prefix, { waitMs: 150 })
    const raw = newToken()
    await redis.set(`${prefix}lock:${cacheKey(raw)}`, 'a-stuck-holder', 'PX', 60_000)
    expect((await a.tokens.verify(raw)).type).toBe('user')
  })

  it('revokeUser in one instance evicts the user from every instance within a second', async () => {
    const prefix = freshPrefix()
    const a = instance(prefix)
    const b = instance(prefix)
    const raw = newToken()
    await a.tokens.verify(raw)
    await b.tokens.verify(raw) // now in b's local layer
    emu.invalidateToken(raw, 'app_removed') // Facebook's side, then the deauthorize callback reaches a
    const before = emu.requestCount('/debug_token')
    await b.tokens.verify(raw) // b's local layer still trusts it
    expect(emu.requestCount('/debug_token')).toBe(before)
    await a.tokens.revokeUser(user.id)
    expect(await redis.exists(`${prefix}v:${cacheKey(raw)}`)).toBe(0)
    await expect.poll(() => verdict(b.tokens, raw), { timeout: 1000 }).toBe('invalid_token')
  })

  it('a revocation that could not reach Redis is replayed when the connection comes back', async () => {
    const prefix = freshPrefix()
    const client = new Redis(server.url)
    const a = instance(prefix, { redis: client })
    const b = instance(prefix)
    const raw = newToken()
    await a.tokens.verify(raw)
    await b.tokens.verify(raw)
    emu.invalidateToken(raw, 'app_removed')
    client.disconnect() // only a loses Redis
    await a.tokens.revokeUser(user.id) // does not throw: evicted locally, Redis part deferred
    expect(a.errors.map((e) => e.message)).toEqual(['Connection is closed.'])
    expect(await redis.exists(`${prefix}v:${cacheKey(raw)}`)).toBe(1)
    await expect(b.tokens.verify(raw)).resolves.toBeDefined() // b has not heard of it yet
    await client.connect()
    await expect.poll(() => verdict(b.tokens, raw), { timeout: 1000 }).toBe('invalid_token')
    // What Redis now holds for it is b's fresh verdict: a rejection.
    expect(JSON.parse((await redis.get(`${prefix}v:${cacheKey(raw)}`)) ?? '{}')).toMatchObject({ outcome: 'rejected' })
    await a.tokens.close()
    expect(await client.ping()).toBe('PONG') // a client you pass stays open
    client.disconnect()
  })

  it('Redis down: verification falls back to Graph and the local layer, with error events; then reconnects', async () => {
    const prefix = freshPrefix()
    const a = instance(prefix)
    const hot = newToken()
    await a.tokens.verify(hot)
    await server.kill()
    try {
      const before = emu.requestCount('/debug_token')
      expect((await a.tokens.verify(hot)).type).toBe('user') // the local layer: no Graph call, no Redis
      expect(emu.requestCount('/debug_token')).toBe(before)
      const fresh = newToken()
      expect((await a.tokens.verify(fresh)).type).toBe('user')
      expect(emu.requestCount('/debug_token')).toBe(before + 1)
      expect(a.events).toContainEqual(expect.objectContaining({ type: 'error', where: 'cache' }))
      // A revocation while Redis is down is applied locally now, remotely on reconnect.
      await a.tokens.revokeUser('someone-else')
      const all = JSON.stringify(a.events) + a.errors.map((e) => e.message).join()
      expect(all).not.toContain(hot)
      expect(all).not.toContain(fresh)
    } finally {
      await server.restart()
    }
    const b = instance(prefix)
    const later = newToken()
    await expect
      .poll(
        async () => {
          await a.tokens.verify(later)
          return redis.exists(`${prefix}v:${cacheKey(later)}`)
        },
        { timeout: 5000 },
      )
      .toBe(1)
    const before = emu.requestCount('/debug_token')
    await b.tokens.verify(later)
    expect(emu.requestCount('/debug_token')).toBe(before)
  })

  it('Redis unreachable from the start: requests do not wait for it, each failed command is an error event', async () => {
    // Nothing listens there, and a command may wait 60 s for Redis: only failing fast ends before the test timeout.
    const url = `redis://127.0.0.1:${await freePort()}`
    const a = instance(freshPrefix(), { url, commandTimeoutMs: 60_000 })
    const raws = [newToken(), newToken(), newToken(), newToken()]
    const before = emu.requestCount('/debug_token')
    for (const raw of raws) expect((await a.tokens.verify(raw)).type).toBe('user')
    expect(emu.requestCount('/debug_token')).toBe(before + raws.length)
    emu.advanceTime(1)
    expect((await a.tokens.deauthorize(emu.signedRequest(app.id, { user_id: user.id }))).user_id).toBe(user.id)
    const cacheErrors = a.events.filter((e) => e.type === 'error' && e.where === 'cache')
    expect(cacheErrors.length).toBeGreaterThanOrEqual(raws.length * 2 + 1) // per token a read and a write; the claim
    for (const e of cacheErrors) expect(e).toMatchObject({ message: expect.stringMatching(/^Redis is unreachable/) })
    expect(a.errors.map((e) => e.message).join('\n')).toMatch(/ECONNREFUSED/)
  })

  it('handles each signed_request once across instances; a failed handling can be taken by another', async () => {
    const prefix = freshPrefix()
    const a = instance(prefix)
    const b = instance(prefix)
    const signed = emu.signedRequest(app.id, { user_id: user.id })
    expect((await a.tokens.deauthorize(signed)).user_id).toBe(user.id)
    await expect(b.tokens.deauthorize(signed)).rejects.toMatchObject({
      code: 'invalid_request',
      message: 'signed_request was already used',
    })
    const [claim] = await redis.keys(`${prefix}claim:*`)
    expect(claim).toBeDefined()
    const ttl = await redis.pttl(claim as string)
    expect(ttl).toBeGreaterThan(0)
    expect(ttl).toBeLessThanOrEqual(3600 * 1000) // signedRequestMaxAgeSeconds: no longer than a replay could pass

    emu.advanceTime(1)
    const deletion = emu.signedRequest(app.id, { user_id: user.id })
    const deleted: string[] = []
    const options = (onDelete: (userId: string) => void) => ({ statusUrl: 'https://example.com/deletion', onDelete })
    await expect(
      a.tokens.dataDeletion(
        deletion,
        options(() => {
          throw new Error('database down')
        }),
      ),
    ).rejects.toThrow('database down')
    await b.tokens.dataDeletion(
      deletion,
      options((userId) => void deleted.push(userId)),
    )
    expect(deleted).toEqual([user.id])
    await expect(
      a.tokens.dataDeletion(
        deletion,
        options(() => {}),
      ),
    ).rejects.toMatchObject({ code: 'invalid_request' })
  })

  it('Redis down: a deauthorize callback still revokes, replays are refused in the process, with an error event', async () => {
    const prefix = freshPrefix()
    const a = instance(prefix)
    emu.advanceTime(1)
    const signed = emu.signedRequest(app.id, { user_id: user.id })
    await server.kill()
    try {
      expect((await a.tokens.deauthorize(signed)).user_id).toBe(user.id)
      expect(a.events).toContainEqual({ type: 'revoke', userId: user.id })
      expect(a.events).toContainEqual(expect.objectContaining({ type: 'error', where: 'cache' }))
      await expect(a.tokens.deauthorize(signed)).rejects.toMatchObject({ code: 'invalid_request' })
    } finally {
      await server.restart()
    }
  })

  it('refuses bad options with the option named', () => {
    expect(() => redisCache({ url: 'nope' })).toThrow(/url/)
    expect(() => redisCache({ url: server.url, localMaxEntries: 0 })).toThrow(/localMaxEntries/)
    expect(() => redisCache({ url: server.url, waitMs: -1 })).toThrow(/waitMs/)
  })
})
