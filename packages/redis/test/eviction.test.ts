import { createHash } from 'node:crypto'
import { createTokens, type Tokens } from '@tokens/core'
import { pageToken, userToken } from '@tokens/core/testing'
import { type AppInfo, type Emulator, type NodeInfo, startEmulator } from '@tokens/emulator'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { RedisCache, redisCache, redisStore } from '../src/index.js'
import { commandsDuring } from './redis-monitor.js'
import { startRedis, type TestRedis } from './redis-server.js'

/** A Redis used as caches often are: a memory limit, least recently used keys evicted past it. */
let evicting: TestRedis
/** The default configuration: `noeviction`. */
let plain: TestRedis
/** A Redis whose CONFIG command is disabled, as on many managed services. */
let noConfig: TestRedis
let redis: Redis
let emu: Emulator
let app: AppInfo
let user: NodeInfo

beforeAll(async () => {
  ;[evicting, plain, noConfig] = await Promise.all([
    startRedis(['--maxmemory', '4mb', '--maxmemory-policy', 'allkeys-lru']),
    startRedis(),
    startRedis(['--rename-command', 'CONFIG', '']),
  ])
  redis = new Redis(evicting.url)
  emu = await startEmulator({ port: 0, now: 1_750_000_000, freezeClock: true })
  app = emu.createApp({ name: 'Evicting Redis' })
  user = emu.createUser({ name: 'Barbara Liskov' })
})
afterAll(async () => {
  redis.disconnect()
  await emu.close()
  await Promise.all([evicting.stop(), plain.stop(), noConfig.stop()])
})

const closing: Array<{ close(): unknown }> = []
afterEach(async () => {
  for (const c of closing.splice(0)) await c.close()
})
const later = <T extends { close(): unknown }>(closable: T): T => {
  closing.push(closable)
  return closable
}

/**
 * Makes the evicting Redis evict `victim` under memory pressure, as LRU evicts a key nobody touched for
 * long (a user index is written on save, while tokens are read): the victim is aged (RESTORE … IDLETIME,
 * its content unchanged), then junk that is old too, but less, fills memory while `keep` is being used.
 */
async function evictUnderPressure(victim: string, keep: string[]): Promise<void> {
  const age = async (key: string, seconds: number) => {
    const payload = await redis.dumpBuffer(key)
    const ttl = await redis.pttl(key)
    await redis.call('RESTORE', key, String(Math.max(ttl, 0)), payload, 'REPLACE', 'IDLETIME', String(seconds))
  }
  expect(await redis.exists(victim)).toBe(1)
  await age(victim, 1_000_000)
  await redis.set('junk:seed', 'x'.repeat(64 * 1024))
  const junk = await redis.dumpBuffer('junk:seed')
  await redis.del('junk:seed')
  for (let i = 0; i < 5000 && (await redis.exists(victim)) === 1; i++) {
    await redis.call('RESTORE', `junk:${i}`, '0', junk, 'REPLACE', 'IDLETIME', '500000')
    if (keep.length > 0) await redis.touch(...keep)
  }
  expect(await redis.exists(victim)).toBe(0) // evicted by Redis itself
  for (const key of keep) expect(await redis.exists(key)).toBe(1)
  expect(Number(/evicted_keys:(\d+)/.exec(await redis.info('stats'))?.[1])).toBeGreaterThan(0)
}

describe('redisStore on a Redis that evicts keys', () => {
  it('with the user index evicted, deleteUser still deletes every token of the user, and none is found after', async () => {
    const store = later(redisStore({ url: evicting.url, prefix: 'ev1:', onEvictingPolicy: 'warn' }))
    const mine = [userToken('42'), pageToken('42', '7'), pageToken('42', '8')]
    const others = [userToken('43'), pageToken('43', '7'), pageToken('420', '8')]
    for (const t of [...mine, ...others]) await store.save(t)
    await evictUnderPressure('ev1:index:1001:42', [
      'ev1:user:1001:42',
      'ev1:page:1001:7:42',
      'ev1:page:1001:8:42',
      'ev1:pages:1001:7',
      'ev1:pages:1001:8',
    ])
    expect(await store.deleteUser('1001', '42')).toBe(3)
    expect(await store.findUserToken('1001', '42')).toBeUndefined()
    expect(await store.findPageToken('1001', '8')).toEqual(others[2])
    expect(await store.findPageToken('1001', '7')).toEqual(others[1])
    expect(await store.listPageTokens('1001', '42')).toEqual([])
    expect((await redis.keys('ev1:*')).filter((k) => k.endsWith(':42'))).toEqual([])
    expect(await redis.zrange('ev1:pages:1001:7', '0', '-1')).toEqual(['43'])
    expect(await store.findUserToken('1001', '43')).toEqual(others[0])
  })

  it('is detected at startup: by default save() is refused, naming the policy; reads and deletions go on; onError is told once', async () => {
    const notices: Error[] = []
    const store = later(redisStore({ url: evicting.url, prefix: 'ev2:', onError: (e) => notices.push(e) }))
    await expect(store.save(userToken('42'))).rejects.toThrow(
      /evict keys \(maxmemory-policy allkeys-lru.*save\(\) is refused/,
    )
    await expect(store.save(pageToken('42', '7'))).rejects.toThrow(/noeviction/)
    expect(await store.findUserToken('1001', '42')).toBeUndefined()
    expect(await store.deleteUser('1001', '42')).toBe(0)
    expect(await redis.keys('ev2:*')).toEqual([])
    expect(notices.map((e) => e.message)).toEqual([
      expect.stringMatching(/maxmemory-policy allkeys-lru, maxmemory 4194304/),
    ])
  })

  it("with onEvictingPolicy: 'warn', saves go on and onError is told once", async () => {
    const notices: Error[] = []
    const store = later(
      redisStore({ url: evicting.url, prefix: 'ev3:', onEvictingPolicy: 'warn', onError: (e) => notices.push(e) }),
    )
    const token = userToken('42')
    await store.save(token)
    await store.save(pageToken('42', '7'))
    expect(await store.findUserToken('1001', '42')).toEqual(token)
    expect(notices).toHaveLength(1)
    expect(notices[0]?.message).toMatch(/stored tokens would vanish without notice/)
    expect(notices[0]?.message).not.toMatch(/refused/)
  })

  it('says nothing under noeviction, and deleteUser is then one command (the index is complete)', async () => {
    const notices: Error[] = []
    const store = later(redisStore({ url: plain.url, prefix: 'ne:', onError: (e) => notices.push(e) }))
    await store.save(userToken('42'))
    await store.save(pageToken('42', '7'))
    const commands = await commandsDuring(plain.url, async () => {
      expect(await store.deleteUser('1001', '42')).toBe(2)
    })
    const mine = commands.filter((args) => args.some((a) => a.startsWith('ne:')))
    expect(mine.map((args) => args[0]?.toLowerCase())).toEqual(['eval'])
    expect(notices).toEqual([])
  })

  it('where CONFIG is disabled, says so once through onError and goes on (saves, finds, deletes)', async () => {
    const notices: Error[] = []
    const store = later(redisStore({ url: noConfig.url, prefix: 'nc:', onError: (e) => notices.push(e) }))
    const token = userToken('42')
    await store.save(token)
    await store.save(pageToken('42', '7'))
    expect(await store.findUserToken('1001', '42')).toEqual(token)
    expect(await store.deleteUser('1001', '42')).toBe(2)
    await store.save(token)
    expect(notices.map((e) => e.message)).toEqual([
      expect.stringMatching(/could not check Redis's maxmemory-policy \(CONFIG GET was refused: .*\).*noeviction/),
    ])
  })
})

describe('redisCache on a Redis that evicts keys', () => {
  const clock = () => emu.now() * 1000
  const instance = (prefix: string) =>
    later(
      createTokens({
        appId: app.id,
        appSecret: app.secret,
        graphUrl: emu.url,
        clock,
        retries: 0,
        cache: redisCache({ url: evicting.url, prefix, clock }),
      }),
    ) as Tokens
  const verdict = (tokens: Tokens, raw: string) =>
    tokens.verify(raw).then(
      () => 'accepted',
      (e: { code?: string }) => e.code,
    )
  const entryKey = (prefix: string, raw: string) =>
    `${prefix}v:${createHash('sha256').update(raw).digest('hex')}:${app.id}`

  it("after revokeUser, another instance does not accept a token whose user's verification index was evicted", async () => {
    const prefix = 'evc:'
    const a = instance(prefix)
    const raw = emu.issueUserToken({ appId: app.id, userId: user.id, scopes: ['public_profile'] })
    expect(await verdict(a, raw)).toBe('accepted')
    await evictUnderPressure(`${prefix}vu:${user.id}`, [entryKey(prefix, raw)])
    emu.invalidateToken(raw, 'app_removed') // Meta's side; then the deauthorize callback reaches A
    await a.revokeUser(user.id)
    const before = emu.requestCount('/debug_token')
    const c = instance(prefix) // another instance, nothing held locally
    expect(await verdict(c, raw)).toBe('invalid_token')
    expect(emu.requestCount('/debug_token')).toBe(before + 1) // asked Graph, not the stale entry
    expect(await verdict(a, raw)).toBe('invalid_token')
  })
})

describe('redisCache: the verification index check', () => {
  it('finds entries of users whose ids need escaping in keys, from another instance', async () => {
    const ids = ['ü:(x)*', "it's~a.b-c_d!", 'a b/%3A', '100']
    const writer = later(new RedisCache({ url: plain.url, prefix: 'esc:' }))
    const reader = later(new RedisCache({ url: plain.url, prefix: 'esc:' }))
    const now = Date.now()
    for (const [i, userId] of ids.entries()) {
      await writer.set(`k${i}`, {
        outcome: 'valid',
        info: {
          type: 'user',
          appId: '1',
          userId,
          scopes: [],
          granularScopes: [],
          issuedAt: null,
          expiresAt: null,
          dataAccessExpiresAt: null,
        },
        verifiedAt: now,
        freshUntil: now + 60_000,
        keepUntil: now + 60_000,
      })
    }
    for (const [i, userId] of ids.entries()) {
      const entry = await reader.get(`k${i}`)
      expect(entry?.outcome === 'valid' && entry.info.userId).toBe(userId)
    }
    await writer.set('app-token', {
      outcome: 'rejected',
      reason: 'expired',
      description: 'expired',
      verifiedAt: now,
      freshUntil: now + 60_000,
      keepUntil: now + 60_000,
    })
    expect(await reader.get('app-token')).toMatchObject({ outcome: 'rejected' }) // no user: no index to check
  })
})
