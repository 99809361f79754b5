import {
  createTokenCipher,
  type EncryptionOptions,
  openStoredValue,
  type StoredToken,
  sealStoredValue,
  type TokenCipher,
  type TokenStore,
} from '@tokens/core'
import type { ChainableCommander } from 'ioredis'
import {
  Connection,
  connect,
  globPart,
  keyPart,
  prefixOf,
  type RedisConnectionOptions,
  RedisUnavailableError,
  readEvictionSettings,
  scanKeys,
  slotOf,
} from './connection.js'

/**
 * Options of {@link redisStore}: a connection (`redis`, `url` or `nodes`) plus the ones below.
 *
 * @example
 * ```ts
 * const options: RedisStoreOptions = {
 *   url: process.env.REDIS_URL!,
 *   prefix: 'my-app:',
 *   encryption: { keys: { k1: process.env.TOKEN_KEY! }, currentKeyId: 'k1' },
 * }
 * ```
 */
export type RedisStoreOptions = RedisConnectionOptions & {
  /** Prefix of every key. @default 'tokens:' */
  prefix?: string
  /** Seal token values at rest (AES-256-GCM, named keys, rotation). @default none: values stored as is */
  encryption?: EncryptionOptions
  /** Longest wait for Redis (first connection, reconnection, or one answer), in ms. @default 2000 */
  timeoutMs?: number
  /** The clock TTLs are computed from, in ms (the core's `clock`). @default Date.now */
  clock?: () => number
  /**
   * What to do when Redis may evict the store's keys (a `maxmemory-policy` other than `noeviction`,
   * read with `CONFIG GET` at startup): `'refuse'` rejects every `save` (reads and deletions go on),
   * `'warn'` saves anyway. Either way `onError` is told once. Where `CONFIG` is not allowed, `onError`
   * is told once that the policy could not be checked, and the store goes on.
   * @default 'refuse'
   */
  onEvictingPolicy?: 'warn' | 'refuse'
  /**
   * Replicas that must acknowledge each `save` and `deleteUser` (Redis's `WAIT`, for at most half of
   * `timeoutMs`) before it resolves; fewer, and it rejects, though the primary has the write. With 1 on
   * a cluster (or a primary) with replicas, a write that resolved survives the loss of its primary once
   * a replica is promoted. @default 0 (Redis's own asynchronous replication)
   */
  replicaAcks?: number
  /** Receives connection errors of a client the store opened from `url` or `nodes`, and the eviction notices above. @default ignored */
  onError?: (error: Error) => void
}

/** Widens an index key's TTL to cover a token living `ttl` ms (`-1`: forever). */
const EXTEND = `
local function extend(key, existed, ttl)
  if ttl < 0 then redis.call('PERSIST', key) return end
  local current = redis.call('PTTL', key)
  if existed == 0 or (current >= 0 and current < ttl) then redis.call('PEXPIRE', key, ttl) end
end`

// KEYS: token, user index, [page zset]; ARGV: json, ttl ms (-1: none), zset member, savedAt, [the
// Page zset's name, on a cluster, where the zset lives in another slot and is written apart]
const SAVE = `${EXTEND}
local ttl = tonumber(ARGV[2])
if ttl < 0 then redis.call('SET', KEYS[1], ARGV[1]) else redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl) end
local existed = redis.call('EXISTS', KEYS[2])
redis.call('HSET', KEYS[2], KEYS[1], KEYS[3] or ARGV[5] or '')
extend(KEYS[2], existed, ttl)
if KEYS[3] then
  existed = redis.call('EXISTS', KEYS[3])
  redis.call('ZADD', KEYS[3], ARGV[4], ARGV[3])
  extend(KEYS[3], existed, ttl)
end`

// KEYS: user index, user token, then pairs (Page token, its Page's zset) found without the index.
// ARGV: zset member. Returns how many tokens were deleted.
const DELETE_USER = `
local deleted = 0
local fields = redis.call('HGETALL', KEYS[1])
for i = 1, #fields, 2 do
  deleted = deleted + redis.call('DEL', fields[i])
  if fields[i + 1] ~= '' then redis.call('ZREM', fields[i + 1], ARGV[1]) end
end
deleted = deleted + redis.call('DEL', KEYS[2])
for i = 3, #KEYS, 2 do
  deleted = deleted + redis.call('DEL', KEYS[i])
  redis.call('ZREM', KEYS[i + 1], ARGV[1])
end
redis.call('DEL', KEYS[1])
return deleted`

// Cluster: KEYS: user index, user token, Page tokens found without the index. Returns how many tokens
// were deleted, then the Page zsets (other slots) the caller removes the user from.
const DELETE_USER_CLUSTER = `
local deleted = 0
local zsets = {}
local fields = redis.call('HGETALL', KEYS[1])
for i = 1, #fields, 2 do
  deleted = deleted + redis.call('DEL', fields[i])
  if fields[i + 1] ~= '' then zsets[#zsets + 1] = fields[i + 1] end
end
for i = 2, #KEYS do deleted = deleted + redis.call('DEL', KEYS[i]) end
redis.call('DEL', KEYS[1])
return { deleted, unpack(zsets) }`

// KEYS: a zset; ARGV: score, member, ttl ms (-1: none). Adds the member, widening the zset's TTL.
const ZADD = `${EXTEND}
local existed = redis.call('EXISTS', KEYS[1])
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
extend(KEYS[1], existed, tonumber(ARGV[3]))`

// KEYS: page zset; ARGV: prefix of the page's token keys. The latest live token (key, value); drops dead members.
const FIND_PAGE = `
local members = redis.call('ZREVRANGE', KEYS[1], 0, -1)
for _, member in ipairs(members) do
  local key = ARGV[1] .. member
  local value = redis.call('GET', key)
  if value then return { key, value } end
  redis.call('ZREM', KEYS[1], member)
end
return false`

// KEYS: token; ARGV: expected, replacement. Replaces only an unchanged value, keeping its TTL.
const COMPARE_AND_SET = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL') and 1 end
return 0`

/**
 * A {@link TokenStore} in Redis, for apps on several machines: one key per token, a per-user index
 * (so `deleteUser` is one atomic script), TTLs from token expiry. Build it with {@link redisStore}.
 * It needs a Redis that does not evict keys (`maxmemory-policy noeviction`); see `onEvictingPolicy`.
 *
 * @example
 * ```ts
 * import { RedisStore } from '@tokens/redis'
 * const store = new RedisStore({ url: 'redis://localhost:6379' })
 * ```
 */
export class RedisStore implements TokenStore {
  readonly #conn: Connection
  readonly #prefix: string
  readonly #cipher: TokenCipher | undefined
  readonly #clock: () => number
  readonly #onError: ((error: Error) => void) | undefined
  readonly #onEvicting: 'warn' | 'refuse'
  readonly #replicaAcks: number
  readonly #timeoutMs: number
  /** The eviction check, once it got an answer (or while it waits for one). */
  #evictionChecked: Promise<void> | undefined
  /** Redis does not evict (`noeviction`): the per-user index lists every token of a user. */
  #indexComplete = false
  /** Why `save` is refused (an evicting Redis, with `onEvictingPolicy: 'refuse'`). */
  #refusal: string | undefined

  constructor(options: RedisStoreOptions) {
    // Every option is checked before a client is opened: a mistake must not leave one running.
    if (typeof options !== 'object' || options === null) throw new TypeError('redisStore: options must be an object')
    this.#prefix = prefixOf(options.prefix, 'redisStore', options)
    const timeoutMs = options.timeoutMs ?? 2000
    if (typeof timeoutMs !== 'number' || !(timeoutMs > 0)) {
      throw new TypeError("redisStore: option 'timeoutMs' must be > 0")
    }
    if (options.clock !== undefined && typeof options.clock !== 'function') {
      throw new TypeError("redisStore: option 'clock' must be a function")
    }
    const onError = options.onError
    if (onError !== undefined && typeof onError !== 'function') {
      throw new TypeError("redisStore: option 'onError' must be a function")
    }
    const onEvicting = options.onEvictingPolicy ?? 'refuse'
    if (onEvicting !== 'warn' && onEvicting !== 'refuse') {
      throw new TypeError("redisStore: option 'onEvictingPolicy' must be 'warn' or 'refuse'")
    }
    const replicaAcks = options.replicaAcks ?? 0
    if (!Number.isInteger(replicaAcks) || replicaAcks < 0) {
      throw new TypeError("redisStore: option 'replicaAcks' must be an integer >= 0")
    }
    this.#replicaAcks = replicaAcks
    this.#timeoutMs = timeoutMs
    this.#clock = options.clock ?? Date.now
    this.#cipher = options.encryption === undefined ? undefined : createTokenCipher(options.encryption)
    this.#onError = onError
    this.#onEvicting = onEvicting
    const { client, owned } = connect(options, 'redisStore', onError)
    this.#conn = new Connection(client, owned, timeoutMs, false)
    void this.#checkEviction()
  }

  async save(token: StoredToken): Promise<void> {
    const isPage = token.kind === 'page'
    if (isPage && (typeof token.pageId !== 'string' || token.pageId === '')) {
      throw new TypeError('redisStore.save: a Page token needs a pageId')
    }
    await this.#checkEviction()
    if (this.#refusal !== undefined) throw new Error(this.#refusal)
    const record: StoredToken = { ...token, value: this.#seal(token) }
    if (!isPage) delete record.pageId
    const expiresAt = token.info.expiresAt
    const ttl = expiresAt === null ? -1 : Math.max(1, Math.ceil(expiresAt - this.#clock()))
    await this.#put(token, JSON.stringify(record), ttl)
  }

  async findUserToken(appId: string, userId: string): Promise<StoredToken | undefined> {
    const key = this.#userKey(appId, userId)
    const json = await this.#conn.run((c) => c.get(key))
    return json === null ? undefined : this.#open(key, json)
  }

  async findPageToken(appId: string, pageId: string): Promise<StoredToken | undefined> {
    if (this.#conn.cluster) return this.#findPageTokenInCluster(appId, pageId)
    const found = await this.#conn.run(
      (c) => c.eval(FIND_PAGE, 1, this.#pagesKey(appId, pageId), this.#pageKey(appId, pageId, '')) as Promise<unknown>,
    )
    return Array.isArray(found) ? this.#open(String(found[0]), String(found[1])) : undefined
  }

  async listPageTokens(appId: string, userId: string): Promise<StoredToken[]> {
    const index = await this.#conn.run((c) => c.hgetall(this.#indexKey(appId, userId)))
    const keys = Object.entries(index)
      .filter(([, pages]) => pages !== '')
      .map(([key]) => key)
    if (keys.length === 0) return []
    const values = await this.#conn.run((c) => c.mget(keys))
    const tokens: StoredToken[] = []
    values.forEach((json, i) => {
      if (json !== null) tokens.push(this.#open(keys[i] as string, json))
    })
    return tokens
  }

  /**
   * Deletes the user's token and the Page tokens obtained through it, in one Lua script (atomic). It
   * does not rely on the per-user index alone unless Redis is known not to evict: the user token's key
   * is derived from the ids, and the Page tokens are also found by `SCAN` on a pattern only this
   * user's Page token keys match, so an evicted index cannot leave a revoked token behind.
   */
  async deleteUser(appId: string, userId: string): Promise<number> {
    await this.#checkEviction()
    const keys = [this.#indexKey(appId, userId), this.#userKey(appId, userId)]
    const zsets: string[] = []
    if (!this.#indexComplete) {
      // The user's Page token keys are `<head><page><tail>`.
      const [head, tail] = this.#conn.cluster
        ? [`${this.#prefix}page:{${keyPart(appId)}:${keyPart(userId)}}:`, '']
        : [`${this.#prefix}page:${keyPart(appId)}:`, `:${keyPart(userId)}`]
      for (const key of await scanKeys(this.#conn, `${globPart(head)}*${globPart(tail)}`)) {
        // The Page's part as it sits in the key (escaped already): its zset's name is built from it.
        const page = key.slice(head.length, key.length - tail.length)
        keys.push(key)
        zsets.push(`${this.#prefix}pages:${slotOf(this.#conn, `${keyPart(appId)}:${page}`)}`)
      }
    }
    if (!this.#conn.cluster) {
      const pairs = keys.slice(0, 2)
      keys.slice(2).forEach((key, i) => {
        pairs.push(key, zsets[i] as string)
      })
      return Number(await this.#write((p) => p.eval(DELETE_USER, pairs.length, ...pairs, keyPart(userId))))
    }
    const [deleted, ...listed] = (await this.#write((p) => p.eval(DELETE_USER_CLUSTER, keys.length, ...keys))) as [
      number,
      ...string[],
    ]
    // Other slots: a member left behind (Redis down meanwhile) names a deleted token, which
    // findPageToken skips and removes.
    const member = keyPart(userId)
    await Promise.all([...new Set([...listed, ...zsets])].map((zset) => this.#conn.run((c) => c.zrem(zset, member))))
    return Number(deleted)
  }

  /**
   * Re-seals every token not sealed with the current key (older keys, or plain values written before
   * encryption was on), keeping TTLs; returns how many. After it, retired keys can go.
   */
  async reencrypt(): Promise<number> {
    const cipher = this.#cipher
    if (cipher === undefined) throw new TypeError('redisStore.reencrypt: the store has no encryption option')
    let count = 0
    for (const kind of ['user:', 'page:']) {
      for (const key of await scanKeys(this.#conn, `${globPart(this.#prefix + kind)}*`)) {
        const json = await this.#conn.run((c) => c.get(key))
        if (json === null) continue
        const row = JSON.parse(json) as StoredToken
        if (cipher.isCurrent(row.value)) continue
        const token = this.#open(key, json)
        const replacement = JSON.stringify({ ...row, value: this.#seal(token) })
        count += Number(await this.#conn.run((c) => c.eval(COMPARE_AND_SET, 1, key, json, replacement)))
      }
    }
    return count
  }

  /**
   * Copies every token of `source`, another `RedisStore` (the standalone Redis a cluster replaces, or
   * another prefix), into this store's key layout, each record as it is (a sealed value stays sealed:
   * this store needs the keys it was sealed with) and with the time it has left to live. A token of
   * the same identity already here is replaced; a record that sits under another token's key in
   * `source` is skipped and reported to `onError`. Returns how many were copied. Safe to run again
   * (it copies what was saved meanwhile), but a token deleted from `source` after it was copied (a
   * revocation) stays here: run it while nothing writes to `source`, or revoke those users again.
   *
   * @example
   * ```ts
   * import { redisStore } from '@tokens/redis'
   * const encryption = { keys: { k1: process.env.TOKEN_KEY! }, currentKeyId: 'k1' }
   * const standalone = redisStore({ url: 'redis://10.0.0.9:6379', encryption })
   * const cluster = redisStore({ nodes: ['redis://10.0.0.1:6379'], encryption })
   * console.log(`${await cluster.importFrom(standalone)} tokens copied`)
   * ```
   */
  async importFrom(source: RedisStore): Promise<number> {
    if (!(source instanceof RedisStore)) throw new TypeError('redisStore.importFrom: source must be a RedisStore')
    await this.#checkEviction()
    if (this.#refusal !== undefined) throw new Error(this.#refusal)
    let count = 0
    for (const kind of ['user:', 'page:']) {
      for (const key of await scanKeys(source.#conn, `${globPart(source.#prefix + kind)}*`)) {
        const replies = await source.#conn.run((c) => c.pipeline().get(key).pttl(key).exec())
        const json = replies?.[0]?.[1]
        const pttl = Number(replies?.[1]?.[1])
        if (typeof json !== 'string' || pttl === -2) continue // expired meanwhile
        const row = JSON.parse(json) as StoredToken
        if (source.#tokenKey(row) !== key) {
          this.#report(
            `redisStore.importFrom: the record under ${key} belongs to another token (moved or copied): skipped`,
          )
          continue
        }
        await this.#put(row, json, pttl < 0 ? -1 : pttl)
        count++
      }
    }
    return count
  }

  /** Closes the connection if the store opened it from `url`. */
  close(): void {
    this.#conn.close()
  }

  /** Writes the record `json` of `token` with a TTL of `ttl` ms (-1: none), and its index entries. */
  async #put(token: StoredToken, json: string, ttl: number): Promise<void> {
    const keys = [this.#tokenKey(token), this.#indexKey(token.appId, token.userId)]
    const pages = token.kind === 'page' ? this.#pagesKey(token.appId, token.pageId as string) : undefined
    if (pages !== undefined && this.#conn.cluster) {
      // The Page's zset lives in the Page's slot: listed first, so a listed user whose save then
      // fails is only a dead member (skipped), never a token the zset does not list.
      await this.#write((p) => p.eval(ZADD, 1, pages, token.savedAt, keyPart(token.userId), ttl))
      await this.#write((p) => p.eval(SAVE, 2, ...keys, json, ttl, '', token.savedAt, pages))
      return
    }
    if (pages !== undefined) keys.push(pages)
    await this.#write((p) => p.eval(SAVE, keys.length, ...keys, json, ttl, keyPart(token.userId), token.savedAt))
  }

  /**
   * Runs one write (a script) and, with `replicaAcks`, `WAIT`s for that many replicas in the same
   * round trip, on the node the write went to. Resolves with the write's reply.
   */
  async #write(build: (pipeline: ChainableCommander) => ChainableCommander): Promise<unknown> {
    const acks = this.#replicaAcks
    const waitMs = Math.max(1, Math.floor(this.#timeoutMs / 2))
    const replies = await this.#conn.run((c) => {
      const pipeline = build(c.pipeline())
      return (acks > 0 ? pipeline.wait(acks, waitMs) : pipeline).exec()
    })
    const [error, reply] = replies?.[0] ?? [new Error('redisStore: Redis returned no reply')]
    if (error) throw error
    if (acks > 0) {
      const [waitError, acked] = replies?.[1] ?? [new Error('redisStore: Redis returned no reply to WAIT')]
      if (waitError) throw waitError
      if (Number(acked) < acks) {
        throw new RedisUnavailableError(
          `redisStore: the write reached ${Number(acked)} of ${acks} replicas within ${waitMs} ms (option 'replicaAcks'): it may be lost if its primary fails`,
        )
      }
    }
    return reply
  }

  /** {@link findPageToken} on a cluster, where the Page's zset and its tokens live in different slots. */
  async #findPageTokenInCluster(appId: string, pageId: string): Promise<StoredToken | undefined> {
    const pages = this.#pagesKey(appId, pageId)
    const members = await this.#conn.run((c) => c.zrevrange(pages, 0, -1))
    for (const member of members) {
      // A member is the user's part of the key (escaped already).
      const key = `${this.#prefix}page:{${keyPart(appId)}:${member}}:${keyPart(pageId)}`
      const json = await this.#conn.run((c) => c.get(key))
      if (json !== null) return this.#open(key, json)
      await this.#conn.run((c) => c.zrem(pages, member))
    }
    return undefined
  }

  /**
   * Reads Redis's eviction policy once (again later if Redis did not answer). An evicting Redis is
   * reported to `onError` and, with `onEvictingPolicy: 'refuse'`, refuses `save`; a policy that
   * cannot be read is reported once. Only under `noeviction` is the per-user index trusted alone.
   */
  #checkEviction(): Promise<void> {
    this.#evictionChecked ??= readEvictionSettings(this.#conn).then(
      (settings) => {
        if ('unknown' in settings) {
          this.#report(
            `redisStore: could not check Redis's maxmemory-policy (${settings.unknown}); the store needs maxmemory-policy noeviction or a Redis of its own: make sure of it`,
          )
        } else if (settings.policy === 'noeviction') this.#indexComplete = true
        else {
          const refuse = this.#onEvicting === 'refuse'
          const message = `redisStore: Redis may evict keys (maxmemory-policy ${settings.policy}, maxmemory ${settings.maxmemory}), and stored tokens would vanish without notice. Set maxmemory-policy noeviction or give the store a Redis of its own${refuse ? "; until then save() is refused (onEvictingPolicy: 'warn' accepts the risk)" : ''}`
          if (refuse) this.#refusal = message
          this.#report(message)
        }
      },
      () => {
        this.#evictionChecked = undefined // Redis did not answer: ask again with the next command
      },
    )
    return this.#evictionChecked
  }

  /** Tells `onError`; a listener that throws changes nothing here. */
  #report(message: string): void {
    try {
      this.#onError?.(new Error(message))
    } catch {
      // the listener's own failure is not the store's
    }
  }

  // On a cluster, a user's keys share the hash tag {app:user} (one slot, so the scripts stay atomic),
  // and a Page's zset has {app:page}. On a standalone Redis the layout is unchanged: no tags.
  #userKey(appId: string, userId: string): string {
    return `${this.#prefix}user:${slotOf(this.#conn, `${keyPart(appId)}:${keyPart(userId)}`)}`
  }

  #pageKey(appId: string, pageId: string, userId: string): string {
    if (this.#conn.cluster) return `${this.#prefix}page:{${keyPart(appId)}:${keyPart(userId)}}:${keyPart(pageId)}`
    return `${this.#prefix}page:${keyPart(appId)}:${keyPart(pageId)}:${userId === '' ? '' : keyPart(userId)}`
  }

  #tokenKey(token: StoredToken): string {
    return token.kind === 'page'
      ? this.#pageKey(token.appId, token.pageId as string, token.userId)
      : this.#userKey(token.appId, token.userId)
  }

  #indexKey(appId: string, userId: string): string {
    return `${this.#prefix}index:${slotOf(this.#conn, `${keyPart(appId)}:${keyPart(userId)}`)}`
  }

  #pagesKey(appId: string, pageId: string): string {
    return `${this.#prefix}pages:${slotOf(this.#conn, `${keyPart(appId)}:${keyPart(pageId)}`)}`
  }

  #seal(token: StoredToken): string {
    return sealStoredValue(this.#cipher, token.value, token)
  }

  /**
   * The record read from `key`. A record belongs under the key its own identity names (a whole record
   * copied under another key is refused), and its value opens for that identity only.
   */
  #open(key: string, json: string): StoredToken {
    const row = JSON.parse(json) as StoredToken
    if (this.#tokenKey(row) !== key) {
      throw new Error(`redisStore: the record under ${key} belongs to another token (moved or copied): refused`)
    }
    row.value = openStoredValue(this.#cipher, row.value, row)
    return row
  }
}

/**
 * Connects a Redis {@link TokenStore} for `createTokens`, for apps on several machines.
 *
 * @example
 * ```ts
 * import { createTokens } from '@tokens/core'
 * import { redisStore } from '@tokens/redis'
 * const tokens = createTokens({
 *   appId: process.env.META_APP_ID!,
 *   appSecret: process.env.META_APP_SECRET!,
 *   store: redisStore({
 *     url: process.env.REDIS_URL!,
 *     encryption: { keys: { k1: process.env.TOKEN_KEY! }, currentKeyId: 'k1' },
 *   }),
 * })
 * ```
 */
export function redisStore(options: RedisStoreOptions): RedisStore {
  return new RedisStore(options)
}
