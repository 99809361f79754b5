import { Cluster, Redis, type RedisOptions, ReplyError } from 'ioredis'

/**
 * Where a Redis-backed object gets its connection: an ioredis client you own, standalone (`Redis`) or
 * a Redis Cluster (`Cluster`), left open by `close()`; or a URL, or the nodes of a Redis Cluster (the
 * package connects, reconnects and closes it).
 *
 * @example
 * ```ts
 * import { Cluster, Redis } from 'ioredis'
 * const byUrl: RedisConnectionOptions = { url: 'redis://localhost:6379' }
 * const byClient: RedisConnectionOptions = { redis: new Redis(process.env.REDIS_URL!) }
 * const byNodes: RedisConnectionOptions = { nodes: ['redis://10.0.0.1:6379', 'redis://10.0.0.2:6379'] }
 * const byCluster: RedisConnectionOptions = { redis: new Cluster([{ host: '10.0.0.1', port: 6379 }]) }
 * ```
 */
export type RedisConnectionOptions =
  | {
      /** An ioredis client, `Redis` or `Cluster`; `close()` leaves it open. */
      redis: Redis | Cluster
      url?: undefined
      nodes?: undefined
    }
  | {
      /** A Redis URL, `redis://[user:password@]host:port[/db]` or `rediss://…` (TLS). */
      url: string
      redis?: undefined
      nodes?: undefined
    }
  | {
      /**
       * Some nodes of a Redis Cluster (the others are discovered): `redis://[user:password@]host:port`,
       * `rediss://…` (TLS) or `{ host, port }`. Credentials and TLS are taken from the first URL.
       */
      nodes: ReadonlyArray<string | { host: string; port: number }>
      redis?: undefined
      url?: undefined
    }

/** A standalone client or a cluster client: both take the same commands. */
export type RedisClient = Redis | Cluster

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
  readonly client: RedisClient
  readonly owned: boolean
  /** The client is a `Cluster`: keys are hash-tagged, and keyless commands go to every primary. */
  readonly cluster: boolean
  readonly #timeoutMs: number
  readonly #failFast: boolean
  /** A connection attempt failed, or the connection closed, since the client was last ready. */
  #down: boolean
  #readyPromise: Promise<void> | undefined

  constructor(client: RedisClient, owned: boolean, timeoutMs: number, failFast: boolean) {
    this.client = client
    this.owned = owned
    this.cluster = client.isCluster
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
  async run<T>(command: (client: RedisClient) => Promise<T>): Promise<T> {
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

  /**
   * The clients of every primary: the one client of a standalone Redis, or each primary of the
   * cluster as the cluster client knows them (it connects first if needed).
   */
  async primaries(): Promise<Redis[]> {
    if (!(this.client instanceof Cluster)) return [this.client]
    const cluster = this.client
    const nodes = await this.run(async () => cluster.nodes('master'))
    if (nodes.length === 0) throw new RedisUnavailableError('Redis Cluster: no primary is known')
    return nodes
  }

  /** Closes the client if this package opened it. */
  close(): void {
    if (this.owned) this.client.disconnect()
  }
}

/** Parses one cluster node: a URL's host and port, and its connection settings. */
function clusterNode(
  node: unknown,
  factory: string,
): { host: string; port: number; settings?: Pick<RedisOptions, 'username' | 'password' | 'tls'> } {
  if (typeof node === 'object' && node !== null) {
    const { host, port } = node as { host?: unknown; port?: unknown }
    if (typeof host === 'string' && host !== '' && Number.isInteger(port)) return { host, port: port as number }
  } else if (typeof node === 'string' && /^rediss?:\/\//.test(node)) {
    try {
      const url = new URL(node)
      const settings: Pick<RedisOptions, 'username' | 'password' | 'tls'> = {}
      if (url.username !== '') settings.username = decodeURIComponent(url.username)
      if (url.password !== '') settings.password = decodeURIComponent(url.password)
      if (url.protocol === 'rediss:') settings.tls = {}
      if (url.hostname !== '') return { host: url.hostname, port: Number(url.port || 6379), settings }
    } catch {
      // reported below
    }
  }
  throw new TypeError(`${factory}: option 'nodes' must list redis:// or rediss:// URLs or { host, port } objects`)
}

/** Opens (or adopts) the client named by `options`; connection errors go to `onError`, not to the console. */
export function connect(
  options: RedisConnectionOptions,
  factory: string,
  onError: ((error: Error) => void) | undefined,
): { client: RedisClient; owned: boolean } {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${factory}: options must be an object`)
  const given = (['redis', 'url', 'nodes'] as const).filter((name) => options[name] !== undefined)
  if (given.length > 1)
    throw new TypeError(`${factory}: pass one of 'redis', 'url' or 'nodes', not ${given.join(' and ')}`)
  if (options.redis !== undefined) {
    if (typeof options.redis !== 'object' || typeof options.redis.duplicate !== 'function') {
      throw new TypeError(`${factory}: option 'redis' must be an ioredis client (Redis or Cluster)`)
    }
    return { client: options.redis, owned: false }
  }
  if (options.nodes !== undefined) {
    if (!Array.isArray(options.nodes) || options.nodes.length === 0) {
      throw new TypeError(`${factory}: option 'nodes' must be a non-empty array`)
    }
    const nodes = options.nodes.map((node) => clusterNode(node, factory))
    const cluster = new Cluster(
      nodes.map(({ host, port }) => ({ host, port })),
      {
        clusterRetryStrategy: (attempt) => Math.min(attempt * 50, 1000),
        slotsRefreshTimeout: 2000,
        redisOptions: { maxRetriesPerRequest: 1, connectTimeout: 2000, ...nodes[0]?.settings },
      },
    )
    cluster.on('error', (error: Error) => onError?.(error))
    return { client: cluster, owned: true }
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
  let replies: unknown[]
  try {
    const nodes = await conn.primaries()
    replies = await Promise.all(nodes.map((node) => conn.run(() => node.config('GET', 'maxmemory*'))))
  } catch (error) {
    if (!(error instanceof ReplyError)) throw error
    return { unknown: `CONFIG GET was refused: ${(error as Error).message}` }
  }
  // On a cluster, the first primary that may evict decides.
  let found: EvictionSettings = { unknown: 'CONFIG GET did not return maxmemory-policy' }
  for (const reply of replies) {
    const settings = new Map<string, string>()
    if (Array.isArray(reply)) {
      for (let i = 0; i + 1 < reply.length; i += 2) settings.set(String(reply[i]), String(reply[i + 1]))
    }
    const policy = settings.get('maxmemory-policy')
    if (policy === undefined) return { unknown: 'CONFIG GET did not return maxmemory-policy' }
    found = { policy, maxmemory: Number(settings.get('maxmemory') ?? 0) }
    if (policy !== 'noeviction') return found
  }
  return found
}

/** Every key matching `pattern`, on every primary (`SCAN`, never `KEYS`: Redis keeps serving meanwhile). */
export async function scanKeys(conn: Connection, pattern: string): Promise<string[]> {
  const found = new Set<string>()
  for (const node of await conn.primaries()) {
    let cursor = '0'
    do {
      const [next, keys] = await conn.run(() => node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000))
      cursor = next
      for (const key of keys) found.add(key)
    } while (cursor !== '0')
  }
  return [...found]
}

/**
 * The hash tag that puts keys in one cluster slot (`{part}`), or nothing on a standalone Redis, whose
 * key layout stays as it was.
 */
export function slotOf(conn: Connection, part: string): string {
  return conn.cluster ? `{${part}}` : part
}

/** Escapes `*`, `?`, `[`, `]` and backslash for a `SCAN … MATCH` pattern, so a key part matches only itself. */
export function globPart(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&')
}

/** Escapes one component of a key, so ids containing `:` cannot collide. */
export function keyPart(id: string): string {
  return encodeURIComponent(id)
}

/**
 * Validates a key prefix option. On a cluster (`nodes`, or a `Cluster` client) a prefix may not hold
 * `{` or `}`: Redis would hash the prefix's braces instead of the keys' own tags, and keys a script
 * touches together could land in different slots.
 */
export function prefixOf(prefix: string | undefined, factory: string, options?: RedisConnectionOptions): string {
  const value = prefix ?? 'tokens:'
  if (typeof value !== 'string' || /\s/.test(value)) throw new TypeError(`${factory}: option 'prefix' must be a string`)
  const cluster = options?.nodes !== undefined || options?.redis?.isCluster === true
  if (cluster && /[{}]/.test(value)) {
    throw new TypeError(
      `${factory}: option 'prefix' must not contain '{' or '}' on a Redis Cluster (keys are hash-tagged)`,
    )
  }
  return value
}
