import { randomBytes } from 'node:crypto'
import type { StoredTokenIdentity } from '@tokens/core'
import { describeStoreConformance, pageToken, userToken } from '@tokens/core/testing'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { redisStore } from '../src/index.js'
import { commandsDuring } from './redis-monitor.js'
import { startRedis, type TestRedis } from './redis-server.js'

let server: TestRedis
let redis: Redis
beforeAll(async () => {
  server = await startRedis()
  redis = new Redis(server.url)
})
afterAll(async () => {
  redis.disconnect()
  await server.stop()
})

let n = 0
let prefix = 'c0:'
/** The key of a stored token, as the README's key layout gives it. */
function tokenKey(row: StoredTokenIdentity): string {
  const part = encodeURIComponent
  return row.kind === 'page'
    ? `${prefix}page:${part(row.appId)}:${part(row.pageId ?? '')}:${part(row.userId)}`
    : `${prefix}user:${part(row.appId)}:${part(row.userId)}`
}
describeStoreConformance('redisStore', {
  persistent: true,
  open: (options) => redisStore({ url: server.url, prefix, ...options }),
  reset() {
    prefix = `c${++n}:`
  },
  raw: {
    async read(row) {
      const json = await redis.get(tokenKey(row))
      return json === null ? undefined : (JSON.parse(json) as { value: string }).value
    },
    async write(row, value) {
      const json = await redis.get(tokenKey(row))
      if (json === null) throw new Error('no such row')
      await redis.set(tokenKey(row), JSON.stringify({ ...JSON.parse(json), value }), 'KEEPTTL')
    },
  },
})

/** Every value under `prefix`, whatever its type, as one string. */
async function dump(prefix: string): Promise<string> {
  const keys = await redis.keys(`${prefix}*`)
  const parts: string[] = [...keys]
  for (const key of keys) {
    const type = await redis.type(key)
    if (type === 'string') parts.push((await redis.get(key)) ?? '')
    else if (type === 'hash') parts.push(JSON.stringify(await redis.hgetall(key)))
    else if (type === 'zset') parts.push(JSON.stringify(await redis.zrange(key, '0', '-1')))
    else parts.push(JSON.stringify(await redis.smembers(key)))
  }
  return parts.join('\n')
}

describe('redisStore', () => {
  it('with encryption, Redis never holds a raw token', async () => {
    const store = redisStore({
      url: server.url,
      prefix: 'enc:',
      encryption: { keys: { k: randomBytes(32) }, currentKeyId: 'k' },
    })
    const user = userToken('42')
    const page = pageToken('42', '7')
    await store.save(user)
    await store.save(page)
    expect((await store.findPageToken('1001', '7'))?.value).toBe(page.value)
    const all = await dump('enc:')
    expect(all).toContain('pages_show_list') // metadata is there in the clear: the check can fail
    expect(all).not.toContain(user.value)
    expect(all).not.toContain(page.value)
    const plain = redisStore({ url: server.url, prefix: 'plain:' })
    await plain.save(user)
    expect(await dump('plain:')).toContain(user.value)
    store.close()
    plain.close()
  })

  it('sets TTLs from token expiry, none for never-expiring tokens, and keeps indexes alive as long', async () => {
    let now = 1_000_000
    const store = redisStore({ url: server.url, prefix: 'ttl:', clock: () => now })
    const expiring = { ...userToken('42'), info: { ...userToken('42').info, expiresAt: now + 60_000 } }
    await store.save(expiring)
    const userTtl = await redis.pttl('ttl:user:1001:42')
    expect(userTtl).toBeGreaterThan(55_000)
    expect(userTtl).toBeLessThanOrEqual(60_000)
    expect(await redis.pttl('ttl:index:1001:42')).toBeGreaterThan(55_000)
    const page = pageToken('42', '7') // expiresAt null: never expires
    await store.save(page)
    expect(await redis.pttl('ttl:page:1001:7:42')).toBe(-1)
    expect(await redis.pttl('ttl:index:1001:42')).toBe(-1)
    expect(await redis.pttl('ttl:pages:1001:7')).toBe(-1)
    now += 1000
    const later = { ...pageToken('43', '8'), info: { ...pageToken('43', '8').info, expiresAt: now + 120_000 } }
    await store.save(later)
    expect(await redis.pttl('ttl:pages:1001:8')).toBeGreaterThan(115_000)
    // A token saved already expired is gone at once.
    await store.save({ ...userToken('44'), info: { ...userToken('44').info, expiresAt: now - 1 } })
    await new Promise((resolve) => setTimeout(resolve, 5))
    expect(await store.findUserToken('1001', '44')).toBeUndefined()
    store.close()
  })

  it('skips expired Page tokens: findPageToken falls back to the next latest and cleans the index', async () => {
    const store = redisStore({ url: server.url, prefix: 'exp:' })
    const older = pageToken('42', '7', undefined, 1)
    const newer = pageToken('43', '7', undefined, 2)
    await store.save(older)
    await store.save(newer)
    await redis.del('exp:page:1001:7:43') // as if its TTL ran out
    expect(await store.findPageToken('1001', '7')).toEqual(older)
    expect(await redis.zrange('exp:pages:1001:7', '0', '-1')).toEqual(['42'])
    store.close()
  })

  it('deleteUser is one atomic command (a Lua script)', async () => {
    const store = redisStore({ url: server.url, prefix: 'atomic:' })
    await store.save(userToken('42'))
    await store.save(pageToken('42', '7'))
    await store.save(pageToken('42', '8'))
    const commands = await commandsDuring(server.url, async () => {
      expect(await store.deleteUser('1001', '42')).toBe(3)
    })
    const mine = commands.filter((args) => args.some((a) => a.startsWith('atomic:')))
    expect(mine).toHaveLength(1)
    expect(mine[0]?.[0]?.toLowerCase()).toBe('eval')
    expect(await redis.keys('atomic:*')).toEqual([])
    store.close()
  })

  it('reencrypt() re-seals old-key tokens, and plain ones allowPlaintext admits, keeping their TTL', async () => {
    const k1 = randomBytes(32)
    const k2 = randomBytes(32)
    const plain = redisStore({ url: server.url, prefix: 'rot:' })
    const legacy = userToken('41')
    await plain.save(legacy)
    const old = redisStore({ url: server.url, prefix: 'rot:', encryption: { keys: { k1 }, currentKeyId: 'k1' } })
    const expiring = { ...userToken('42'), info: { ...userToken('42').info, expiresAt: Date.now() + 600_000 } }
    const page = pageToken('42', '7')
    await old.save(expiring)
    await old.save(page)
    const rotated = redisStore({
      url: server.url,
      prefix: 'rot:',
      encryption: { keys: { k1, k2 }, currentKeyId: 'k2', allowPlaintext: true },
    })
    expect(await rotated.reencrypt()).toBe(3)
    expect(await rotated.reencrypt()).toBe(0)
    expect(await redis.pttl('rot:user:1001:42')).toBeGreaterThan(500_000)
    const onlyK2 = redisStore({ url: server.url, prefix: 'rot:', encryption: { keys: { k2 }, currentKeyId: 'k2' } })
    expect(await onlyK2.findUserToken('1001', '41')).toEqual(legacy)
    expect(await onlyK2.findUserToken('1001', '42')).toEqual(expiring)
    expect(await onlyK2.findPageToken('1001', '7')).toEqual(page)
    expect(await dump('rot:')).not.toContain(legacy.value)
    for (const s of [plain, old, rotated, onlyK2]) s.close()
  })

  for (const encrypted of [false, true]) {
    it(`a whole record copied under another token's key is refused, not returned for that key${encrypted ? ' (encrypted)' : ''}`, async () => {
      const store = redisStore({
        url: server.url,
        prefix: 'moved:',
        ...(encrypted ? { encryption: { keys: { k: randomBytes(32) }, currentKeyId: 'k' } } : {}),
      })
      await store.save(pageToken('42', '7'))
      await store.save(pageToken('42', '8'))
      await store.save(userToken('42'))
      await store.save(userToken('43'))
      const copy = async (from: string, to: string) =>
        redis.set(to, (await redis.get(from)) as string, 'KEEPTTL').then(() => undefined)
      await copy('moved:page:1001:7:42', 'moved:page:1001:8:42')
      await expect(store.findPageToken('1001', '8')).rejects.toThrow(/belongs to another token/)
      await expect(store.listPageTokens('1001', '42')).rejects.toThrow(/belongs to another token/)
      await copy('moved:user:1001:42', 'moved:user:1001:43')
      await expect(store.findUserToken('1001', '43')).rejects.toThrow(/belongs to another token/)
      await redis.del(...(await redis.keys('moved:*')))
      store.close()
    })
  }

  it('uses a client you pass and leaves it open', async () => {
    const client = new Redis(server.url)
    const store = redisStore({ redis: client, prefix: 'own:' })
    await store.save(userToken('42'))
    store.close()
    expect(await client.ping()).toBe('PONG')
    client.disconnect()
  })

  it('refuses bad options with the option named', () => {
    expect(() => redisStore({ url: 'http://x' })).toThrow(/url/)
    expect(() => redisStore({ url: server.url, timeoutMs: 0 })).toThrow(/timeoutMs/)
    expect(() => redisStore({ url: server.url, encryption: { keys: { k: 'short' }, currentKeyId: 'k' } })).toThrow(
      /encryption.keys.k/,
    )
  })
})
