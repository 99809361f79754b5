import type { EncryptionOptions, StoredToken } from '@tokens/core'
import { redisStore } from '@tokens/redis'
import { Redis } from 'ioredis'
import { unavailable, usage } from './failure.js'
import type { StoreBackend } from './store-backend.js'
import type { StoreSpec } from './store-spec.js'
import { type StoredRow, sealedWith } from './stored-rows.js'

// KEYS: token, user index, [Page zset]; ARGV: the record as listed, zset member.
// Deletes the token only if it is still that record, and its entries in the store's indexes.
const DELETE_IF_UNCHANGED = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HDEL', KEYS[2], KEYS[1])
if KEYS[3] then redis.call('ZREM', KEYS[3], ARGV[2]) end
return 1`

/** Escapes `*`, `?`, `[`, `]` and backslash for `SCAN … MATCH`. */
function glob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&')
}

/** An id as it appears inside a key (the store's README: URI-encoded). */
const part = encodeURIComponent

/**
 * A `@tokens/redis` store. One connection, opened here and handed to the store, which opens values
 * and saves; the listing `SCAN`s the store's documented keys (`{prefix}user:*`, `{prefix}page:*`), and
 * `--prune` deletes one token (and its index entries) only if it is still the record that was listed.
 */
export async function openRedis(
  spec: Extract<StoreSpec, { type: 'redis' }>,
  encryption: EncryptionOptions | undefined,
  timeoutMs: number,
): Promise<StoreBackend> {
  const warnings: string[] = []
  let lastError: Error | undefined
  const client = new Redis(spec.url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: Math.min(timeoutMs, 5000),
    retryStrategy: () => null, // a command line does not wait for Redis to come back
    enableOfflineQueue: false,
  })
  client.on('error', (error: Error) => {
    lastError = error
  })
  const down = (cause: unknown) =>
    unavailable(
      `Redis at ${spec.shown} is unreachable (${describe(cause, lastError)}): is it running, and is the URL right?`,
      cause,
    )
  try {
    await client.connect()
  } catch (error) {
    client.disconnect()
    throw down(error)
  }
  // A cluster node answers SCAN for its own keys only, and a cluster store has another key layout:
  // listing one node would be a partial listing, so it is refused.
  const clusterInfo = await client.info('cluster').catch(() => '')
  if (/^cluster_enabled:1/m.test(clusterInfo)) {
    client.disconnect()
    throw usage(
      `Redis at ${spec.shown} is a node of a Redis Cluster: the tokens CLI reads stores on a standalone Redis only (a cluster store's keys are spread over its primaries, under hash-tagged names)`,
    )
  }
  const store = redisStore({
    redis: client,
    prefix: spec.prefix,
    timeoutMs,
    onEvictingPolicy: 'refuse',
    onError: (error) => warnings.push(error.message),
    ...(encryption && { encryption }),
  })
  const run = async <T>(command: () => Promise<T>): Promise<T> => {
    try {
      return await command()
    } catch (error) {
      throw client.status === 'ready' ? error : down(error)
    }
  }
  const scan = async (pattern: string): Promise<string[]> => {
    const found = new Set<string>()
    let cursor = '0'
    do {
      const [next, keys] = await run(() => client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000))
      cursor = next
      for (const key of keys) found.add(key)
    } while (cursor !== '0')
    return [...found]
  }
  return {
    label: `Redis ${spec.shown} (prefix ${spec.prefix})`,
    store,
    warnings,
    async rows() {
      const keys = [...(await scan(`${glob(spec.prefix)}user:*`)), ...(await scan(`${glob(spec.prefix)}page:*`))]
      const rows: StoredRow[] = []
      for (let i = 0; i < keys.length; i += 500) {
        const batch = keys.slice(i, i + 500)
        const values = await run(() => client.mget(batch))
        values.forEach((json, j) => {
          if (json === null) return // expired meanwhile
          const record = JSON.parse(json) as StoredToken
          rows.push({
            kind: record.kind,
            appId: record.appId,
            userId: record.userId,
            pageId: record.kind === 'page' ? record.pageId : undefined,
            info: record.info,
            savedAt: record.savedAt,
            sealedWith: sealedWith(record.value),
            location: batch[j] as string,
            stored: json,
          })
        })
      }
      return rows
    },
    async deleteRow(row) {
      const keys = [row.location, `${spec.prefix}index:${part(row.appId)}:${part(row.userId)}`]
      if (row.kind === 'page') keys.push(`${spec.prefix}pages:${part(row.appId)}:${part(row.pageId ?? '')}`)
      const deleted = await run(() =>
        client.eval(DELETE_IF_UNCHANGED, keys.length, ...keys, row.stored, part(row.userId)),
      )
      return Number(deleted) === 1
    },
    async close() {
      store.close()
      client.disconnect()
    },
  }
}

function describe(error: unknown, last: Error | undefined): string {
  const code = (last as { code?: unknown } | undefined)?.code
  if (typeof code === 'string') return code
  return (last ?? (error instanceof Error ? error : undefined))?.message ?? 'no answer'
}
