import {
  createTokenCipher,
  type EncryptionOptions,
  openStoredValue,
  type StoredToken,
  sealStoredValue,
  type TokenCipher,
  type TokenStore,
} from '@tokens/core'
import { Connection, connect, keyPart, prefixOf, type RedisConnectionOptions } from './connection.js'

/**
 * Options of {@link redisStore}: a connection (`redis` or `url`) plus the ones below.
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
  /** Receives connection errors of a client the store opened from `url`. @default ignored */
  onError?: (error: Error) => void
}

/** Widens an index key's TTL to cover a token living `ttl` ms (`-1`: forever). */
const EXTEND = `
local function extend(key, existed, ttl)
  if ttl < 0 then redis.call('PERSIST', key) return end
  local current = redis.call('PTTL', key)
  if existed == 0 or (current >= 0 and current < ttl) then redis.call('PEXPIRE', key, ttl) end
end`

// KEYS: token, user index, [page zset]; ARGV: json, ttl ms (-1: none), zset member, savedAt
const SAVE = `${EXTEND}
local ttl = tonumber(ARGV[2])
if ttl < 0 then redis.call('SET', KEYS[1], ARGV[1]) else redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl) end
local existed = redis.call('EXISTS', KEYS[2])
redis.call('HSET', KEYS[2], KEYS[1], KEYS[3] or '')
extend(KEYS[2], existed, ttl)
if KEYS[3] then
  existed = redis.call('EXISTS', KEYS[3])
  redis.call('ZADD', KEYS[3], ARGV[4], ARGV[3])
  extend(KEYS[3], existed, ttl)
end`

// KEYS: user index; ARGV: zset member. Returns how many tokens were deleted.
const DELETE_USER = `
local fields = redis.call('HGETALL', KEYS[1])
local deleted = 0
for i = 1, #fields, 2 do
  deleted = deleted + redis.call('DEL', fields[i])
  if fields[i + 1] ~= '' then redis.call('ZREM', fields[i + 1], ARGV[1]) end
end
redis.call('DEL', KEYS[1])
return deleted`

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

  constructor(options: RedisStoreOptions) {
    // Every option is checked before a client is opened: a mistake must not leave one running.
    if (typeof options !== 'object' || options === null) throw new TypeError('redisStore: options must be an object')
    this.#prefix = prefixOf(options.prefix, 'redisStore')
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
    this.#clock = options.clock ?? Date.now
    this.#cipher = options.encryption === undefined ? undefined : createTokenCipher(options.encryption)
    const { client, owned } = connect(options, 'redisStore', onError)
    this.#conn = new Connection(client, owned, timeoutMs, false)
  }

  async save(token: StoredToken): Promise<void> {
    const isPage = token.kind === 'page'
    if (isPage && (typeof token.pageId !== 'string' || token.pageId === '')) {
      throw new TypeError('redisStore.save: a Page token needs a pageId')
    }
    const record: StoredToken = { ...token, value: this.#seal(token) }
    if (!isPage) delete record.pageId
    const expiresAt = token.info.expiresAt
    const ttl = expiresAt === null ? -1 : Math.max(1, Math.ceil(expiresAt - this.#clock()))
    const keys = [this.#tokenKey(token), this.#indexKey(token.appId, token.userId)]
    if (isPage) keys.push(this.#pagesKey(token.appId, token.pageId as string))
    await this.#conn.run((c) =>
      c.eval(SAVE, keys.length, ...keys, JSON.stringify(record), ttl, keyPart(token.userId), token.savedAt),
    )
  }

  async findUserToken(appId: string, userId: string): Promise<StoredToken | undefined> {
    const key = this.#userKey(appId, userId)
    const json = await this.#conn.run((c) => c.get(key))
    return json === null ? undefined : this.#open(key, json)
  }

  async findPageToken(appId: string, pageId: string): Promise<StoredToken | undefined> {
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

  /** Deletes the user's token and the Page tokens obtained through it, in one Lua script (atomic). */
  async deleteUser(appId: string, userId: string): Promise<number> {
    const deleted = await this.#conn.run((c) => c.eval(DELETE_USER, 1, this.#indexKey(appId, userId), keyPart(userId)))
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
    for (const pattern of [`${this.#prefix}user:*`, `${this.#prefix}page:*`]) {
      let cursor = '0'
      do {
        const [next, keys] = await this.#conn.run((c) => c.scan(cursor, 'MATCH', pattern, 'COUNT', 200))
        cursor = next
        for (const key of keys) {
          const json = await this.#conn.run((c) => c.get(key))
          if (json === null) continue
          const row = JSON.parse(json) as StoredToken
          if (cipher.isCurrent(row.value)) continue
          const token = this.#open(key, json)
          const replacement = JSON.stringify({ ...row, value: this.#seal(token) })
          count += Number(await this.#conn.run((c) => c.eval(COMPARE_AND_SET, 1, key, json, replacement)))
        }
      } while (cursor !== '0')
    }
    return count
  }

  /** Closes the connection if the store opened it from `url`. */
  close(): void {
    this.#conn.close()
  }

  #userKey(appId: string, userId: string): string {
    return `${this.#prefix}user:${keyPart(appId)}:${keyPart(userId)}`
  }

  #pageKey(appId: string, pageId: string, userId: string): string {
    return `${this.#prefix}page:${keyPart(appId)}:${keyPart(pageId)}:${userId === '' ? '' : keyPart(userId)}`
  }

  #tokenKey(token: StoredToken): string {
    return token.kind === 'page'
      ? this.#pageKey(token.appId, token.pageId as string, token.userId)
      : this.#userKey(token.appId, token.userId)
  }

  #indexKey(appId: string, userId: string): string {
    return `${this.#prefix}index:${keyPart(appId)}:${keyPart(userId)}`
  }

  #pagesKey(appId: string, pageId: string): string {
    return `${this.#prefix}pages:${keyPart(appId)}:${keyPart(pageId)}`
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
