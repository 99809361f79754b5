import { Redis, ReplyError } from 'ioredis'

/**
 * Where a Redis-backed object gets its connection: an ioredis client you own (left open by
 * `close()`), or a URL (the package connects, reconnects and closes it).
 *
 * @example
 * ```ts
 * import { Redis, ReplyError } from 'ioredis'
 * const byUrl: RedisConnectionOptions = { url: 'redis://localhost:6379' }
 * const byClient: RedisConnectionOptions = { redis: new Redis(process.env.REDIS_URL!) }
 * ```
 */
export type RedisConnectionOptions =
  | {
      /** An ioredis client; `close()` leaves it open. */
      redis: Redis
      url?: undefined
    }
  | {
      /** A Redis URL, `redis://[user:password@]host:port[/db]` or `rediss://…` (TLS). */
      url: string
      redis?: undefined
    }

/**
 * Thrown when Redis cannot answer in time. The cache's callers (the core) treat it as a miss; the
 * store's callers see it as a failed operation.
 *
 * @example
 * ```ts
 * import { RedisUnavailableError } from '@tokens/redis'
 * const cache = redisCache({
 *   url: 'redis://localhost:6379',
 *   onError: (e) => { if (e instanceof RedisUnavailableError) console.warn('Redis is down: verifying without it') },
 * })
 * ```
 */
export class RedisUnavailableError extends Error {
  override readonly name = 'RedisUnavailableError'
}

/**
 * One Redis client with bounded commands: a command waits for a connection at most `timeoutMs`, and
 * never waits for an answer longer than `timeoutMs`. With `failFast`, once a connection attempt has
 * failed or the connection was lost, commands fail at once until the client is ready again, whether or
 * not it ever was (only a command issued before the first attempt ends waits for it). ioredis
 * reconnects by itself meanwhile.
 */
export class Connection {
  readonly client: Redis
  readonly owned: boolean
  readonly #timeoutMs: number
  readonly #failFast: boolean
  /** A connection attempt failed, or the connection closed, since the client was last ready. */
  #down: boolean
  #readyPromise: Promise<void> | undefined

  constructor(client: Redis, owned: boolean, timeoutMs: number, failFast: boolean) {
    this.client = client
    this.owned = owned
    this.#timeoutMs = timeoutMs
    this.#failFast = failFast
    this.#down = client.status === 'reconnecting' || client.status === 'close'
    // ioredis emits 'close' after every failed attempt as well as when a live connection drops.
    client.on('close', () => {
      this.#down = true
    })
    client.on('ready', () => {
      this.#down = false
    })
  }

  /** Runs `command` on the client, within the bounds above. */
  async run<T>(command: (client: Redis) => Promise<T>): Promise<T> {
    if (this.client.status !== 'ready') {
      if (this.client.status === 'end') throw new RedisUnavailableError('Redis connection is closed')
      if (this.#failFast && this.#down) throw new RedisUnavailableError('Redis is unreachable (reconnecting)')
      if (this.client.status === 'wait') this.client.connect().catch(() => {})
      await this.#ready()
    }
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RedisUnavailableError('Redis did not answer in time')), this.#timeoutMs)
    })
    try {
      return await Promise.race([command(this.client), timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  /** Resolves when the client is ready; rejects after `timeoutMs`, or (`failFast`) when the attempt fails. */
  #ready(): Promise<void> {
    this.#readyPromise ??= new Promise<void>((resolve, reject) => {
      const done = (error?: Error) => {
        clearTimeout(timer)
        this.client.off('ready', onReady)
        this.client.off('close', onClose)
        this.client.off('end', onEnd)
        this.#readyPromise = undefined
        if (error) reject(error)
        else resolve()
      }
      const onReady = () => done()
      const onClose = () => done(new RedisUnavailableError('Redis is unreachable'))
      const onEnd = () => done(new RedisUnavailableError('Redis connection is closed'))
      const timer = setTimeout(() => done(new RedisUnavailableError('Redis is unreachable')), this.#timeoutMs)
      this.client.on('ready', onReady)
      this.client.once('end', onEnd) // closed for good: no reason to wait (nor to keep the process alive)
      if (this.#failFast) this.client.on('close', onClose)
    })
    return this.#readyPromise
  }

  /** Closes the client if this package opened it. */
  close(): void {
    if (this.owned) this.client.disconnect()
  }
}

/** Opens (or adopts) the client named by `options`; connection errors go to `onError`, not to the console. */
export function connect(
  options: RedisConnectionOptions,
  factory: string,
  onError: ((error: Error) => void) | undefined,
): { client: Redis; owned: boolean } {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${factory}: options must be an object`)
  if (options.redis !== undefined) {
    if (options.url !== undefined) throw new TypeError(`${factory}: pass either 'redis' or 'url', not both`)
    if (typeof options.redis !== 'object' || typeof options.redis.duplicate !== 'function') {
      throw new TypeError(`${factory}: option 'redis' must be an ioredis client`)
    }
    return { client: options.redis, owned: false }
  }
  if (typeof options.url !== 'string' || !/^rediss?:\/\//.test(options.url)) {
    throw new TypeError(`${factory}: option 'url' must be a redis:// or rediss:// URL (or pass 'redis')`)
  }
  const client = new Redis(options.url, {
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 50, 1000),
  })
  client.on('error', (error: Error) => onError?.(error))
  return { client, owned: true }
}

/**
 * Redis's eviction settings: its `maxmemory-policy` (and `maxmemory`, in bytes; 0 = no limit), or why
 * they could not be read (`CONFIG` renamed or disabled, an ACL without it, a managed service).
 */
export type EvictionSettings = { policy: string; maxmemory: number } | { unknown: string }

/**
 * Reads the eviction settings with `CONFIG GET maxmemory*` (one pattern: Redis 6.2 takes one name per
 * call). Rejects only when Redis does not answer, so the caller can ask again later.
 */
export async function readEvictionSettings(conn: Connection): Promise<EvictionSettings> {
  let reply: unknown
  try {
    reply = await conn.run((c) => c.config('GET', 'maxmemory*'))
  } catch (error) {
    if (!(error instanceof ReplyError)) throw error
    return { unknown: `CONFIG GET was refused: ${(error as Error).message}` }
  }
  const settings = new Map<string, string>()
  if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) settings.set(String(reply[i]), String(reply[i + 1]))
  }
  const policy = settings.get('maxmemory-policy')
  if (policy === undefined) return { unknown: 'CONFIG GET did not return maxmemory-policy' }
  return { policy, maxmemory: Number(settings.get('maxmemory') ?? 0) }
}

/** Escapes `*`, `?`, `[`, `]` and backslash for a `SCAN … MATCH` pattern, so a key part matches only itself. */
export function globPart(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&')
}

/** Escapes one component of a key, so ids containing `:` cannot collide. */
export function keyPart(id: string): string {
  return encodeURIComponent(id)
}

/** Validates a key prefix option. */
export function prefixOf(prefix: string | undefined, factory: string): string {
  const value = prefix ?? 'tokens:'
  if (typeof value !== 'string' || /\s/.test(value)) throw new TypeError(`${factory}: option 'prefix' must be a string`)
  return value
}
