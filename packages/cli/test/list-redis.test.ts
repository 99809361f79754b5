import { redisStore } from '@tokens/redis'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startRedis, type TestRedis } from '../../redis/test/redis-server.js'
import { json, tokensCli } from './cli.js'
import {
  ADA,
  APP,
  BAKERY,
  CLUB,
  ENCRYPTION,
  GRACE,
  type Graph,
  KEY,
  LINUS,
  normalise,
  type Seeded,
  seedStore,
  startGraph,
} from './fixture.js'

let graph: Graph
let redis: TestRedis
let client: Redis
beforeAll(async () => {
  graph = await startGraph()
  redis = await startRedis()
  client = new Redis(redis.url)
})
afterAll(async () => {
  client.disconnect()
  await redis.stop()
  await graph.close()
})

let seeded: Seeded
beforeEach(async () => {
  await client.flushall()
  const store = redisStore({ url: redis.url, clock: () => graph.emu.now() * 1000 })
  seeded = await seedStore(graph, store)
  store.close()
})

const shown = (text: string) => normalise(text, { [redis.url]: 'redis://<redis>' })

/** The token keys left in Redis. */
async function keysLeft(): Promise<string[]> {
  return (await client.keys('tokens:*'))
    .filter((key) => /^tokens:(user|page):/.test(key))
    .map((key) => decodeURIComponent(key))
    .sort()
}

describe('tokens list on a Redis store', () => {
  it('prints every stored token as a table, found by SCAN of the documented keys', async () => {
    const run = await tokensCli(['list', '--store', redis.url], { env: graph.env() })
    expect(run.code).toBe(0)
    expect(run.stderr).toBe('')
    expect(shown(run.stdout)).toMatchSnapshot()
  })

  it('--check and --prune --yes: the refused tokens go, with their index entries; the rest stay', async () => {
    graph.emu.invalidateToken(seeded.graceLong, 'password_changed')
    const club = seeded.adaPages.find((page) => page.pageId === CLUB)
    graph.emu.invalidateToken(club?.value ?? '', 'page_role_lost')
    const check = await tokensCli(['list', '--check', '--store', redis.url], { env: graph.env() })
    expect(check.code).toBe(1)
    expect(shown(check.stdout)).toMatchSnapshot()
    const prune = await tokensCli(['list', '--prune', '--yes', '--json', '--store', redis.url], { env: graph.env() })
    expect(prune.code).toBe(0)
    expect(json<{ pruned: Array<{ userId: string; pageId: string | null }> }>(prune).pruned).toEqual([
      expect.objectContaining({ userId: ADA, pageId: CLUB }),
      expect.objectContaining({ userId: GRACE, pageId: null }),
    ])
    expect(await keysLeft()).toEqual([
      `tokens:page:${APP.id}:${BAKERY}:${ADA}`,
      `tokens:page:${APP.id}:${CLUB}:${GRACE}`,
      `tokens:user:${APP.id}:${ADA}`,
      `tokens:user:${APP.id}:${LINUS}`,
    ])
    // The store's own indexes agree: Ada's Page tokens are one, the Club's admins are Grace only.
    const store = redisStore({ url: redis.url })
    expect((await store.listPageTokens(APP.id, ADA)).map((t) => t.pageId)).toEqual([BAKERY])
    expect((await store.findPageToken(APP.id, CLUB))?.userId).toBe(GRACE)
    expect(await store.findUserToken(APP.id, GRACE)).toBeUndefined()
    store.close()
  })

  it('--prefix lists another prefix (and an empty one says so)', async () => {
    const run = await tokensCli(['list', '--store', redis.url, '--prefix', 'other:'], { env: graph.env() })
    expect(run.code).toBe(0)
    expect(shown(run.stdout)).toBe('No tokens in Redis redis://<redis> (prefix other:).\n')
  })

  it('an encrypted Redis store: listed without the key, checked with it', async () => {
    await client.flushall()
    const store = redisStore({ url: redis.url, encryption: ENCRYPTION, clock: () => graph.emu.now() * 1000 })
    await seedStore(graph, store)
    store.close()
    const without = await tokensCli(['list', '--check', '--store', redis.url], { env: graph.env() })
    expect(without.code).toBe(2)
    const run = await tokensCli(['list', '--check', '--json', '--store', redis.url, '--key', `k1:${KEY}`], {
      env: graph.env(),
    })
    expect(run.code).toBe(0)
    const listed = json<{ tokens: Array<{ valid: boolean }> }>(run).tokens
    expect(listed.length).toBeGreaterThan(0)
    expect(listed.filter((t) => !t.valid)).toEqual([])
  })

  it("a Redis that may evict keys: listed, with the store's warning on stderr", async () => {
    const evicting = await startRedis(['--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lru'])
    try {
      const run = await tokensCli(['list', '--store', evicting.url], { env: graph.env() })
      expect(run.code).toBe(0)
      expect(run.stderr).toMatch(/^warning: redisStore: Redis may evict keys \(maxmemory-policy allkeys-lru/)
    } finally {
      await evicting.stop()
    }
  })

  it('Redis down: exit 3, one line naming the server (without its password), nothing else', async () => {
    const dead = await startRedis()
    await dead.kill()
    const url = `redis://:hunter2hunter2@127.0.0.1:${dead.port}`
    const run = await tokensCli(['list', '--store', url], { env: graph.env() })
    await dead.stop()
    expect(run.code).toBe(3)
    expect(run.stdout).toBe('')
    expect(run.stderr).toBe(
      `tokens: Redis at redis://:***@127.0.0.1:${dead.port} is unreachable (ECONNREFUSED): is it running, and is the URL right?\n`,
    )
  })

  it('a node of a Redis Cluster: exit 2, one line saying the CLI reads standalone stores only (no partial listing)', async () => {
    const node = await startRedis(['--cluster-enabled', 'yes'])
    try {
      const run = await tokensCli(['list', '--store', node.url], { env: graph.env() })
      expect(run.code).toBe(2)
      expect(run.stdout).toBe('')
      expect(run.stderr).toBe(
        `tokens: Redis at ${node.url} is a node of a Redis Cluster: the tokens CLI reads stores on a standalone Redis only (a cluster store's keys are spread over its primaries, under hash-tagged names)\n`,
      )
    } finally {
      await node.stop()
    }
  })
})
