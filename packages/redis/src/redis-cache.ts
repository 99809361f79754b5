import { type CachedVerification, LruVerificationCache, type VerificationCache } from '@tokens/core'
import type { Cluster, Redis } from 'ioredis'
import { Coalescer } from './coalescer.js'
import {
  Connection,
  connect,
  keyPart,
  prefixOf,
  type RedisClient,
  type RedisConnectionOptions,
  slotOf,
} from './connection.js'

/**
 * Options of {@link redisCache}: a connection (`redis`, `url` or `nodes`) plus the ones below.
 *
 * @example
 * ```ts
 * const options: RedisCacheOptions = { url: process.env.REDIS_URL!, prefix: 'my-app:', localMaxEntries: 5000 }
 * ```
 */
export type RedisCacheOptions = RedisConnectionOptions & {
  /** Prefix of every key and channel. @default 'tokens:' */
  prefix?: string
  /** Entries of the in-process layer in front of Redis (a hot token costs no round trip). @default 1000 */
  localMaxEntries?: number
  /** The clock, in ms: pass the core's `clock`. @default Date.now */
  clock?: () => number
  /** Longest wait for one Redis command; slower counts as "Redis down". @default 500 */
  commandTimeoutMs?: number
  /** How long another process's `debug_token` call is waited for before making our own. @default 10000 */
  waitMs?: number
  /** Lifetime of the cross-process lock, renewed while its holder lives: a dead holder frees it this fast. @default 3000 */
  lockTtlMs?: number
  /** How often a waiter checks Redis besides listening for the holder's message. @default 50 */
  pollMs?: number
  /** Receives Redis errors (connection, deferred evictions): for logs. @default ignored */
  onError?: (error: Error) => void
}

// KEYS: entry, [user index]; ARGV: json, ttl ms
const SET = `
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if KEYS[2] then
  local ttl = tonumber(ARGV[2])
  local current = redis.call('PTTL', KEYS[2])
  redis.call('SADD', KEYS[2], KEYS[1])
  if current == -2 or (current >= 0 and current < ttl) then redis.call('PEXPIRE', KEYS[2], ttl) end
end`

// Cluster: KEYS: user index; ARGV: entry key, ttl ms. Lists an entry (written apart: its own slot).
const INDEX = `
local ttl = tonumber(ARGV[2])
local current = redis.call('PTTL', KEYS[1])
redis.call('SADD', KEYS[1], ARGV[1])
if current == -2 or (current >= 0 and current < ttl) then redis.call('PEXPIRE', KEYS[1], ttl) end`

// Cluster: KEYS: user index. Deletes it and returns what it listed (entries in other slots), so that
// from this point on no entry of the user is served, whichever instance asks.
const TAKE_INDEX = `
local keys = redis.call('SMEMBERS', KEYS[1])
redis.call('DEL', KEYS[1])
return keys`

// KEYS: user index; ARGV: channel, user id. Deletes the user's entries, then tells every instance.
const DELETE_USER = `
local keys = redis.call('SMEMBERS', KEYS[1])
for _, key in ipairs(keys) do redis.call('DEL', key) end
redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[1], ARGV[2])
return #keys`

// KEYS: entry; ARGV: prefix of the user indexes (<prefix>vu:). The entry, if it is still listed in its
// user's index: an entry whose index is gone (evicted under memory pressure, or deleted by a
// revocation that missed the entry) is a miss, so a revocation never depends on the index surviving.
// A user id is escaped as encodeURIComponent escapes it (keyPart).
const GET = `
local json = redis.call('GET', KEYS[1])
if not json then return false end
local ok, entry = pcall(cjson.decode, json)
if not ok or type(entry) ~= 'table' then return false end
local user = entry.userId
if entry.outcome == 'valid' then user = type(entry.info) == 'table' and entry.info.userId or nil end
if type(user) ~= 'string' or user == '' then return json end
local part = string.gsub(user, "[^A-Za-z0-9%-_%.!~%*'%(%)]", function(c) return string.format('%%%02X', string.byte(c)) end)
if redis.call('SISMEMBER', ARGV[1] .. part, KEYS[1]) == 1 then return json end
return false`

function positive(value: number | undefined, fallback: number, name: string): number {
  const n = value ?? fallback
  if (!Number.isInteger(n) || n < 1) throw new TypeError(`redisCache: option '${name}' must be a positive integer`)
  return n
}

/**
 * A {@link VerificationCache} shared by every instance of an app through Redis, with an in-process
 * LRU in front, cross-process coalescing of `debug_token` calls, pub/sub eviction on `deleteUser`,
 * and a fallback to the in-process layer while Redis is down. Build it with {@link redisCache}.
 *
 * @example
 * ```ts
 * import { RedisCache } from '@tokens/redis'
 * const cache = new RedisCache({ url: 'redis://localhost:6379', localMaxEntries: 5000 })
 * ```
 */
export class RedisCache implements VerificationCache {
  readonly #conn: Connection
  readonly #subscriber: RedisClient
  readonly #local: LruVerificationCache
  readonly #prefix: string
  readonly #clock: () => number
  readonly #coalescer: Coalescer
  readonly #onError: ((error: Error) => void) | undefined
  /** Users whose eviction could not reach Redis: retried on reconnect. */
  readonly #pendingEvictions = new Set<string>()
  #subscribedBefore = false
  #closed = false
  /** The cluster subscriber's last reported error: the same one again within a second is not reported. */
  #lastSubscriberError: { message: string; at: number } | undefined

  constructor(options: RedisCacheOptions) {
    const onError = options?.onError
    if (onError !== undefined && typeof onError !== 'function') {
      throw new TypeError("redisCache: option 'onError' must be a function")
    }
    this.#onError = onError
    this.#prefix = prefixOf(options?.prefix, 'redisCache', options)
    this.#clock = options?.clock ?? Date.now
    if (typeof this.#clock !== 'function') throw new TypeError("redisCache: option 'clock' must be a function")
    const localMaxEntries = positive(options?.localMaxEntries, 1000, 'localMaxEntries')
    const commandTimeoutMs = positive(options?.commandTimeoutMs, 500, 'commandTimeoutMs')
    const waitMs = positive(options?.waitMs, 10_000, 'waitMs')
    const lockTtlMs = positive(options?.lockTtlMs, 3000, 'lockTtlMs')
    const pollMs = positive(options?.pollMs, 50, 'pollMs')
    // Every option is checked above, before a client is opened: a mistake must not leave one running.
    this.#local = new LruVerificationCache({ maxEntries: localMaxEntries, clock: this.#clock })
    const { client, owned } = connect(options, 'redisCache', (e) => this.#report(e))
    this.#conn = new Connection(client, owned, commandTimeoutMs, true)
    this.#coalescer = new Coalescer(this.#conn, {
      prefix: this.#prefix,
      entryKey: (key) => this.#entryKey(key),
      lockKey: (key) => `${this.#prefix}lock:${slotOf(this.#conn, key)}`,
      waitMs,
      lockTtlMs,
      pollMs,
      clock: this.#clock,
      fetch: (key) => this.#fetch(key),
      remember: (key, entry) => this.#local.set(key, entry),
      report: (error) => this.#report(error),
    })
    client.on('ready', () => this.#replayEvictions())

    // Evictions published while a subscription was down are lost: then forget everything held locally.
    const forget = () => {
      if (this.#subscribedBefore) this.#local.close()
      this.#subscribedBefore = true
    }
    const channels = [this.#evictChannel, this.#coalescer.channel]
    if (this.#conn.cluster) {
      // Sharded pub/sub: each channel is served by the primary of its slot, not broadcast cluster-wide.
      const subscriber = (client as Cluster).duplicate([], { shardedSubscribers: true, enableOfflineQueue: true })
      this.#subscriber = subscriber
      // While a shard's primary is down, ioredis retries its subscription every few ms, each failing.
      subscriber.on('error', (e: Error) => {
        const now = Date.now()
        const last = this.#lastSubscriberError
        if (last?.message === e.message && now - last.at < 1000) return
        this.#lastSubscriberError = { message: e.message, at: now }
        this.#report(e)
      })
      subscriber.on('subscribersReady', forget)
      subscriber.on('-subscriber', () => this.#subscribedBefore && this.#local.close())
      subscriber.on('smessage', (channel: string, message: string) => this.#message(channel, message))
      // One SSUBSCRIBE per channel: the channels hash to different slots.
      for (const channel of channels) subscriber.ssubscribe(channel).catch((e: Error) => this.#report(e))
    } else {
      const subscriber = (client as Redis).duplicate({ maxRetriesPerRequest: null, enableOfflineQueue: true })
      this.#subscriber = subscriber
      subscriber.on('error', (e: Error) => this.#report(e))
      subscriber.on('ready', forget)
      subscriber.on('message', (channel: string, message: string) => this.#message(channel, message))
      subscriber.subscribe(...channels).catch((e: Error) => this.#report(e))
    }
  }

  /** Local layer first, then Redis; throws while Redis is down (the core counts that as a miss). */
  async get(key: string): Promise<CachedVerification | undefined> {
    const local = this.#local.get(key)
    if (local !== undefined) return local
    return this.#fetch(key)
  }

  /** Writes the local layer, then Redis (with a TTL of `keepUntil`); throws if Redis could not be written. */
  async set(key: string, entry: CachedVerification): Promise<void> {
    this.#local.set(key, entry)
    const ttl = Math.ceil(entry.keepUntil - this.#clock())
    if (ttl <= 0) return
    const userId = entry.outcome === 'valid' ? entry.info.userId : entry.userId
    const entryKey = this.#entryKey(key)
    if (this.#conn.cluster) {
      // The entry (the token's slot) first, then its listing (the user's slot): unlisted, it is a miss.
      await this.#conn.run((c) => c.set(entryKey, JSON.stringify(entry), 'PX', ttl))
      if (userId) await this.#conn.run((c) => c.eval(INDEX, 1, this.#userKey(userId), entryKey, ttl))
      return
    }
    const keys = [entryKey, ...(userId ? [this.#userKey(userId)] : [])]
    await this.#conn.run((c) => c.eval(SET, keys.length, ...keys, JSON.stringify(entry), ttl))
  }

  /**
   * Drops the user's verifications here at once, in Redis, and in every instance's local layer
   * (pub/sub). While Redis is down the remote part is retried on reconnect, and `onError` is told.
   */
  async deleteUser(userId: string): Promise<void> {
    this.#local.deleteUser(userId)
    try {
      await this.#evict(userId)
    } catch (error) {
      this.#pendingEvictions.add(userId)
      this.#report(error)
    }
  }

  /**
   * Runs `load` once across every process: the first takes a short Redis lock (renewed while it
   * lives) and calls `load`; the others wait for its result, at most `waitMs`. A dead holder's lock
   * expires within `lockTtlMs`; if the holder fails, Redis is down, or the wait runs out, `load`
   * runs here.
   */
  coalesce(key: string, load: () => Promise<CachedVerification>): Promise<CachedVerification> {
    return this.#coalescer.run(key, load)
  }

  /**
   * Claims `key` for `ttlMs` in Redis (`SET … NX PX`): `true` for the first instance, `false` for
   * every later one while the claim lasts. The core uses it to handle each `signed_request` once
   * across instances. Throws while Redis is down (the core then checks within its process only).
   */
  async claim(key: string, ttlMs: number): Promise<boolean> {
    const ttl = Math.max(1, Math.ceil(ttlMs))
    return (await this.#conn.run((c) => c.set(this.#claimKey(key), '1', 'PX', ttl, 'NX'))) === 'OK'
  }

  /** Ends a claim (its handling failed: Meta retries the callback, and any instance may take it). */
  async release(key: string): Promise<void> {
    await this.#conn.run((c) => c.del(this.#claimKey(key)))
  }

  /** Closes the subscriber, and the connection if the cache opened it from `url`. */
  close(): void {
    this.#closed = true
    this.#subscriber.disconnect()
    this.#conn.close()
    this.#local.close()
  }

  #message(channel: string, message: string): void {
    if (channel === this.#evictChannel) this.#local.deleteUser(message)
    else if (channel === this.#coalescer.channel) {
      this.#coalescer.notify(message)
    }
  }

  async #fetch(key: string): Promise<CachedVerification | undefined> {
    const entryKey = this.#entryKey(key)
    const json = this.#conn.cluster
      ? await this.#fetchFromCluster(entryKey)
      : await this.#conn.run((c) => c.eval(GET, 1, entryKey, this.#userKey('')) as Promise<unknown>)
    if (typeof json !== 'string') return undefined
    const entry = JSON.parse(json) as CachedVerification
    if (entry.keepUntil <= this.#clock()) return undefined
    this.#local.set(key, entry)
    return entry
  }

  /**
   * The GET script's work on a cluster, where an entry and its user's index live in different slots:
   * the entry, if its user's index still lists it (read second, so a revocation that deleted the
   * index in between makes it a miss).
   */
  async #fetchFromCluster(entryKey: string): Promise<string | undefined> {
    const json = await this.#conn.run((c) => c.get(entryKey))
    if (json === null) return undefined
    let entry: Partial<CachedVerification> & { info?: { userId?: unknown }; userId?: unknown }
    try {
      entry = JSON.parse(json)
    } catch {
      return undefined
    }
    if (typeof entry !== 'object' || entry === null) return undefined
    const user = entry.outcome === 'valid' ? entry.info?.userId : entry.userId
    if (typeof user !== 'string' || user === '') return json
    const listed = await this.#conn.run((c) => c.sismember(this.#userKey(user), entryKey))
    return listed === 1 ? json : undefined
  }

  async #evict(userId: string): Promise<unknown> {
    if (!this.#conn.cluster) {
      return this.#conn.run((c) => c.eval(DELETE_USER, 1, this.#userKey(userId), this.#evictChannel, userId))
    }
    const listed = (await this.#conn.run((c) => c.eval(TAKE_INDEX, 1, this.#userKey(userId)))) as string[]
    await Promise.all(listed.map((entryKey) => this.#conn.run((c) => c.del(entryKey))))
    return this.#conn.run((c) => c.spublish(this.#evictChannel, userId))
  }

  #replayEvictions(): void {
    for (const userId of this.#pendingEvictions) {
      this.#evict(userId).then(
        () => this.#pendingEvictions.delete(userId),
        (e) => this.#report(e),
      )
    }
  }

  #report(error: unknown): void {
    if (this.#closed) return
    this.#onError?.(error instanceof Error ? error : new Error(String(error)))
  }

  get #evictChannel(): string {
    return `${this.#prefix}evict`
  }

  // On a cluster an entry (and its lock) is tagged with its own key, `{sha256:app}`, and a user's index
  // with `{user}`; on a standalone Redis the layout is unchanged: no tags.
  #entryKey(key: string): string {
    return `${this.#prefix}v:${slotOf(this.#conn, key)}`
  }

  #claimKey(key: string): string {
    return `${this.#prefix}claim:${keyPart(key)}`
  }

  #userKey(userId: string): string {
    return `${this.#prefix}vu:${slotOf(this.#conn, keyPart(userId))}`
  }
}

/**
 * Connects a shared {@link VerificationCache} for `createTokens`: one `debug_token` call per token
 * across every instance, revocations seen everywhere within a second.
 *
 * @example
 * ```ts
 * import { createTokens } from '@tokens/core'
 * import { redisCache } from '@tokens/redis'
 * const tokens = createTokens({
 *   appId: process.env.META_APP_ID!,
 *   appSecret: process.env.META_APP_SECRET!,
 *   cache: redisCache({ url: process.env.REDIS_URL! }),
 * })
 * ```
 */
export function redisCache(options: RedisCacheOptions): RedisCache {
  return new RedisCache(options)
}
