import { createHash, randomBytes } from 'node:crypto'
import { createTokens, type StoredTokenIdentity, type TokenError, type TokensEvent } from '@tokens/core'
import { describeStoreConformance, pageToken, userToken } from '@tokens/core/testing'
import { type AppInfo, type Emulator, type NodeInfo, startEmulator } from '@tokens/emulator'
import { Cluster } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { redisCache, redisStore } from '../src/index.js'
import { shuffled, Worker } from './cache-worker.js'
import { startCluster, type TestCluster } from './redis-cluster.js'
import { startRedis } from './redis-server.js'

// One cluster (6 redis-server processes) for the whole file; the failover test, which kills a
// primary, comes last.
let cluster: TestCluster
let client: Cluster
let emu: Emulator
let app: AppInfo
let user: NodeInfo
let config: Record<string, unknown>
const workers: Worker[] = []
const issued: string[] = []

beforeAll(async () => {
  cluster = await startCluster()
  client = new Cluster(cluster.nodes)
  emu = await startEmulator({ port: 0 }) // real time: the workers use Date.now
  app = emu.createApp({ name: 'Cluster' })
  user = emu.createUser({ name: 'Grace Hopper' })
  config = { appId: app.id, appSecret: app.secret, graphUrl: emu.url, redisNodes: cluster.nodes, prefix: 'xc:' }
}, 120_000)

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()))
  // No raw token ever reached a log line, a result or an error message of any process.
  for (const w of workers) {
    expect(w.output).not.toMatch(/Unhandled error/)
    for (const raw of issued) expect(w.output).not.toContain(raw)
  }
  client?.disconnect()
  await emu?.close()
  await cluster?.stop()
}, 60_000)

/** The slot of `key`, as the cluster computes it. */
async function slotOf(key: string): Promise<number> {
  return Number(await client.cluster('KEYSLOT', key))
}

/** Every key under `prefix`, on every primary. */
async function keysOf(prefix: string): Promise<string[]> {
  const found: string[] = []
  for (const node of client.nodes('master')) found.push(...(await node.keys(`${prefix}*`)))
  return found.sort()
}

let n = 0
let prefix = 'k0:'
/** The key of a stored token, as the README's cluster key layout gives it. */
function tokenKey(row: StoredTokenIdentity): string {
  const part = encodeURIComponent
  return row.kind === 'page'
    ? `${prefix}page:{${part(row.appId)}:${part(row.userId)}}:${part(row.pageId ?? '')}`
    : `${prefix}user:{${part(row.appId)}:${part(row.userId)}}`
}
describeStoreConformance('redisStore on a Redis Cluster', {
  persistent: true,
  open: (options) => redisStore({ nodes: cluster.nodes, prefix, ...options }),
  reset() {
    prefix = `k${++n}:`
  },
  raw: {
    async read(row) {
      const json = await client.get(tokenKey(row))
      return json === null ? undefined : (JSON.parse(json) as { value: string }).value
    },
    async write(row, value) {
      const json = await client.get(tokenKey(row))
      if (json === null) throw new Error('no such row')
      await client.set(tokenKey(row), JSON.stringify({ ...JSON.parse(json), value }), 'KEEPTTL')
    },
  },
})

describe('redisStore on a Redis Cluster', () => {
  it("importFrom copies a standalone store's tokens into the cluster layout: sealed as they were, with their TTLs", async () => {
    const standalone = await startRedis()
    const encryption = { keys: { k1: randomBytes(32) }, currentKeyId: 'k1' }
    const old = redisStore({ url: standalone.url, prefix: 'tokens:', encryption })
    const store = redisStore({ redis: client, prefix: 'moved:', encryption })
    try {
      const expiring = { ...userToken('42'), info: { ...userToken('42').info, expiresAt: Date.now() + 3_600_000 } }
      const rows = [expiring, pageToken('42', '7', undefined, 2), pageToken('43', '7', undefined, 3), userToken('44')]
      for (const row of rows) await old.save(row)
      expect(await store.importFrom(old)).toBe(4)
      expect(await store.findUserToken('1001', '42')).toEqual(expiring)
      expect(await store.findUserToken('1001', '44')).toEqual(rows[3])
      expect(await store.findPageToken('1001', '7')).toEqual(rows[2]) // the latest saved
      expect(await store.listPageTokens('1001', '42')).toEqual([rows[1]])
      const ttl = await client.pttl('moved:user:{1001:42}')
      expect(ttl).toBeGreaterThan(3_500_000)
      expect(ttl).toBeLessThanOrEqual(3_600_000)
      expect(await client.pttl('moved:user:{1001:44}')).toBe(-1)
      // Sealed as they were: no raw token in the cluster.
      for (const key of await keysOf('moved:')) {
        const type = await client.type(key)
        const text =
          type === 'string'
            ? await client.get(key)
            : JSON.stringify(type === 'hash' ? await client.hgetall(key) : await client.zrange(key, '0', '-1'))
        for (const row of rows) expect(text).not.toContain(row.value)
      }
      // The standalone store keeps its layout and its data: it still works as it did.
      expect(await old.findPageToken('1001', '7')).toEqual(rows[2])
      expect(await store.deleteUser('1001', '42')).toBe(2)
      expect(await store.findPageToken('1001', '7')).toEqual(rows[2])
    } finally {
      old.close()
      await standalone.stop()
    }
  })

  it("keeps a user's tokens and index in the user's slot, and a Page's zset in the Page's slot", async () => {
    const store = redisStore({ redis: client, prefix: 'slots:' })
    await store.save(userToken('42'))
    await store.save(pageToken('42', '7'))
    await store.save(pageToken('43', '7'))
    expect(await keysOf('slots:')).toEqual([
      'slots:index:{1001:42}',
      'slots:index:{1001:43}',
      'slots:page:{1001:42}:7',
      'slots:page:{1001:43}:7',
      'slots:pages:{1001:7}',
      'slots:user:{1001:42}',
    ])
    const userSlot = await slotOf('{1001:42}')
    for (const key of ['slots:index:{1001:42}', 'slots:page:{1001:42}:7', 'slots:user:{1001:42}']) {
      expect(await slotOf(key)).toBe(userSlot)
    }
    expect((await store.findPageToken('1001', '7'))?.userId).toBe('43') // the latest saved
    expect(await store.deleteUser('1001', '43')).toBe(1)
    expect((await store.findPageToken('1001', '7'))?.userId).toBe('42')
    expect(await client.zrange('slots:pages:{1001:7}', '0', '-1')).toEqual(['42'])
    store.close()
    expect(client.status).toBe('ready') // a client it was given stays open
  })

  it('deleteUser finds Page tokens on every primary when the index may have been evicted', async () => {
    const primaries = client.nodes('master')
    await Promise.all(primaries.map((node) => node.config('SET', 'maxmemory-policy', 'allkeys-lru')))
    const notices: string[] = []
    try {
      const store = redisStore({
        nodes: cluster.nodes,
        prefix: 'ev:',
        onEvictingPolicy: 'warn',
        onError: (e) => notices.push(e.message),
      })
      const pages = ['7', '8', '9', '10', '11']
      for (const page of pages) await store.save(pageToken('42', page))
      await store.save(userToken('42'))
      await client.del('ev:index:{1001:42}') // as an eviction would
      expect(await store.deleteUser('1001', '42')).toBe(pages.length + 1)
      expect(await keysOf('ev:')).toEqual([]) // the tokens and the Pages' zsets are gone
      expect(notices.join('\n')).toContain('maxmemory-policy allkeys-lru')
      store.close()
    } finally {
      await Promise.all(primaries.map((node) => node.config('SET', 'maxmemory-policy', 'noeviction')))
    }
  })

  it("bad 'nodes', 'replicaAcks' or 'prefix' throw a TypeError naming the option, before any client is opened", () => {
    const bad: Array<[() => unknown, RegExp]> = [
      [() => redisStore({ nodes: [] }), /redisStore: option 'nodes' must be a non-empty array/],
      [() => redisCache({ nodes: ['http://10.0.0.1:6379'] }), /redisCache: option 'nodes' must list redis:\/\//],
      [() => redisStore({ nodes: [{ host: '', port: 6379 }] }), /option 'nodes' must list/],
      [
        () => redisCache({ url: 'redis://127.0.0.1:1', nodes: cluster.nodes } as never),
        /redisCache: pass one of 'redis', 'url' or 'nodes', not url and nodes/,
      ],
      [() => redisStore({ nodes: cluster.nodes, replicaAcks: -1 }), /option 'replicaAcks' must be an integer >= 0/],
      [() => redisCache({ redis: client, prefix: 'app{1}:' }), /option 'prefix' must not contain '\{' or '\}'/],
      [() => redisStore({ nodes: cluster.nodes, prefix: 'app{' }), /option 'prefix' must not contain/],
    ]
    for (const [build, message] of bad) expect(build).toThrow(message)
  })

  it('replicaAcks: a save resolves once a replica has it, and rejects when too few replicas answer', async () => {
    const store = redisStore({ nodes: cluster.nodes, prefix: 'acks:', replicaAcks: 1, timeoutMs: 1000 })
    await store.save(userToken('42'))
    await store.save(pageToken('42', '7'))
    expect(await store.deleteUser('1001', '42')).toBe(2)
    store.close()
    const greedy = redisStore({ nodes: cluster.nodes, prefix: 'acks:', replicaAcks: 2, timeoutMs: 400 })
    await expect(greedy.save(userToken('43'))).rejects.toThrow(/reached 1 of 2 replicas/)
    greedy.close()
  })
})

function newTokens(count: number): string[] {
  const out = Array.from({ length: count }, () => emu.issueUserToken({ appId: app.id, userId: user.id }))
  issued.push(...out)
  return out
}

const debugTokenCalls = () => emu.requestCount('/debug_token')

describe('redisCache on a Redis Cluster, across three Node processes', () => {
  let a: Worker
  let b: Worker
  let c: Worker
  beforeAll(async () => {
    a = new Worker()
    b = new Worker()
    c = new Worker()
    workers.push(a, b, c)
    await Promise.all([a, b, c].map((w) => w.call('init', config)))
  }, 30_000)

  it('3 × 100 concurrent verifications of 20 new tokens make exactly 20 debug_token calls', async () => {
    const raws = newTokens(20)
    const load = raws.flatMap((raw) => [raw, raw, raw, raw, raw]) // 100 per process
    const before = debugTokenCalls()
    emu.setFaults({ latencyMs: 20 }) // keep calls in flight while the other processes ask
    try {
      const results = await Promise.all([a, b, c].map((w, i) => w.verify(shuffled(load, i + 1))))
      for (const statuses of results) expect(statuses.filter((s) => s === 'ok')).toHaveLength(100)
    } finally {
      emu.setFaults(null)
    }
    expect(debugTokenCalls()).toBe(before + 20)
    // Each verification sits in its token's slot: entries of several tokens land on several primaries.
    const sha = (raw: string) => createHash('sha256').update(raw).digest('hex')
    const slots = new Set(await Promise.all(raws.map((raw) => slotOf(`xc:v:{${sha(raw)}:${app.id}}`))))
    expect(slots.size).toBeGreaterThan(1)
    expect(await client.exists(...raws.map((raw) => `xc:v:{${sha(raw)}:${app.id}}`).slice(0, 1))).toBe(1)
  })

  it("a revocation in A reaches B's and C's local layers (sharded pub/sub)", async () => {
    const [raw] = newTokens(1) as [string]
    for (const w of [a, b, c]) expect(await w.verify([raw])).toEqual(['ok'])
    emu.invalidateToken(raw, 'app_removed') // Facebook's side; then the deauthorize callback reaches A
    expect(await b.verify([raw])).toEqual(['ok']) // B still trusts its local layer
    expect(await c.verify([raw])).toEqual(['ok'])
    await a.call('revoke', { userId: user.id })
    for (const w of [b, c]) {
      await expect.poll(async () => (await w.verify([raw]))[0], { timeout: 5000, interval: 20 }).toBe('invalid_token')
    }
  })

  it('a primary killed mid-run: every verification answers, nothing the store acknowledged is lost, and revocations still reach every process', async () => {
    const store = redisStore({ nodes: cluster.nodes, prefix: 'fo:', replicaAcks: 1, timeoutMs: 1000 })
    const saved = Array.from({ length: 30 }, (_, i) => userToken(String(i)))
    for (const token of saved) await store.save(token)
    // The victim serves the revocation channel's shard, and some of the tokens just saved.
    const victim = await cluster.primaryOf('xc:evict')
    const owners = await Promise.all(saved.map((token) => cluster.primaryOf(`{1001:${token.userId}}`)))
    expect(owners).toContain(victim)
    const hot = newTokens(5)
    for (const w of [a, b, c]) expect(await w.verify(hot)).toEqual(Array(5).fill('ok'))

    const statuses: string[] = []
    let stop = false
    // Each process keeps verifying hot tokens and new ones while the primary dies and its replica takes over.
    const load = Promise.all(
      [a, b, c].map(async (w) => {
        while (!stop) statuses.push(...(await w.verify([...hot, ...newTokens(3)])))
      }),
    )
    // Requests that write to the store meanwhile (revocations, through the core): done, or 503.
    const tokens = createTokens({ appId: app.id, appSecret: app.secret, graphUrl: emu.url, store })
    const refusals: unknown[] = []
    let revoked = 0
    const writes = (async () => {
      while (!stop) {
        await tokens.revokeUser(`gone-${revoked++}`).catch((e: TokenError) => refusals.push([e.status, e.code]))
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    })()
    try {
      await expect.poll(() => statuses.length, { timeout: 20_000, interval: 20 }).toBeGreaterThan(30)
      await cluster.kill(victim)
      const promoted = await cluster.waitUntilServed('xc:evict')
      expect(promoted).not.toBe(victim)
      const seen = statuses.length
      await expect.poll(() => statuses.length, { timeout: 20_000, interval: 20 }).toBeGreaterThan(seen + 30)
    } finally {
      stop = true
      await Promise.all([load, writes])
    }
    expect(statuses.filter((s) => s !== 'ok')).toEqual([])
    // The outage was felt (the core's cache error events), and answered around.
    const seen = await Promise.all([a, b, c].map((w) => w.call<{ events: TokensEvent[]; errors: string[] }>('events')))
    expect(seen.flatMap(({ events }) => events)).toContainEqual(
      expect.objectContaining({ type: 'error', where: 'cache' }),
    )
    // The sharded subscription's retries (about a hundred in a 2 s failover) reach onError once a second at most.
    for (const { errors } of seen) expect(errors.filter((m) => m === 'Connection is closed.').length).toBeLessThan(20)
    for (const refusal of refusals) expect(refusal).toEqual([503, 'store_unavailable'])
    expect(revoked).toBeGreaterThan(refusals.length)
    // Every token the store acknowledged is there, read through the promoted replica.
    const after = redisStore({ nodes: cluster.nodes, prefix: 'fo:' })
    for (const token of saved) {
      await expect
        .poll(() => after.findUserToken('1001', token.userId).catch(() => undefined), { timeout: 10_000, interval: 50 })
        .toEqual(token)
    }
    after.close()
    await tokens.close()
    // The channel moved to the promoted replica: a revocation in A still reaches B's and C's local layers.
    const [raw] = newTokens(1) as [string]
    for (const w of [a, b, c]) expect(await w.verify([raw])).toEqual(['ok'])
    emu.invalidateToken(raw, 'app_removed')
    expect(await b.verify([raw])).toEqual(['ok']) // B still trusts its local layer
    await a.call('revoke', { userId: user.id })
    for (const w of [b, c]) {
      await expect.poll(async () => (await w.verify([raw]))[0], { timeout: 5000, interval: 20 }).toBe('invalid_token')
    }
  }, 90_000)
})
