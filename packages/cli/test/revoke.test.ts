import { join } from 'node:path'
import { createTokens } from '@tokens/core'
import { redisCache, redisStore } from '@tokens/redis'
import { sqliteStore } from '@tokens/sqlite'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRedis, type TestRedis } from '../../redis/test/redis-server.js'
import { json, tokensCli } from './cli.js'
import { ADA, APP, GRACE, type Graph, LINUS, normalise, seedStore, startGraph, tempDir } from './fixture.js'

let graph: Graph
let redis: TestRedis
beforeAll(async () => {
  graph = await startGraph()
  redis = await startRedis()
})
afterAll(async () => {
  await redis.stop()
  await graph.close()
})

describe('tokens revoke', () => {
  it("deletes every stored token of the user in a SQLite store (theirs and their Page tokens), no one else's", async () => {
    const temp = tempDir()
    try {
      const file = join(temp.dir, 'tokens.db')
      const store = sqliteStore({ filename: file })
      await seedStore(graph, store)
      store.close()
      const run = await tokensCli(['revoke', ADA, '--store', file], { env: graph.env() })
      expect(run.code).toBe(0)
      expect(normalise(run.stdout, { [file]: '<tokens.db>' })).toBe(
        `Revoked user ${ADA} of app ${APP.id}: deleted 3 stored tokens (1 user, 2 page) from SQLite <tokens.db>.\n`,
      )
      const after = json<{ tokens: Array<{ userId: string }> }>(
        await tokensCli(['list', '--json', '--store', file], { env: graph.env() }),
      )
      expect(after.tokens.map((t) => t.userId)).toEqual([GRACE, GRACE, LINUS])
    } finally {
      temp.remove()
    }
  })

  it("in Redis: the stored tokens, and the shared cache's verifications that every instance would accept", async () => {
    const client = new Redis(redis.url)
    try {
      await client.flushall()
      const store = redisStore({ url: redis.url, clock: () => graph.emu.now() * 1000 })
      const seeded = await seedStore(graph, store)
      store.close()
      // An app instance verified Ada's token: its verdict sits in the shared cache.
      const cache = redisCache({ url: redis.url, clock: () => graph.emu.now() * 1000 })
      const app = createTokens({
        appId: APP.id,
        appSecret: APP.secret,
        graphUrl: graph.emu.url,
        clock: () => graph.emu.now() * 1000,
        cache,
      })
      await app.verify(seeded.adaLong)
      await app.close()
      expect(await client.keys('tokens:v:*')).toHaveLength(1)
      const run = await tokensCli(['revoke', ADA, '--json', '--store', redis.url], { env: graph.env() })
      expect(run.code).toBe(0)
      expect(normalise(run.stdout, { [redis.url]: 'redis://<redis>' })).toBe(
        `${JSON.stringify({ userId: ADA, appId: APP.id, deleted: 3, store: 'Redis redis://<redis> (prefix tokens:)', cache: 'Redis redis://<redis>' })}\n`,
      )
      expect(await client.keys('tokens:v:*')).toEqual([])
      expect((await client.keys('tokens:*')).filter((key) => key.includes(ADA))).toEqual([])
    } finally {
      client.disconnect()
    }
  })

  it('needs a store or a cache, and a user id of digits', async () => {
    const none = await tokensCli(['revoke', ADA], { env: graph.env() })
    expect(none.code).toBe(2)
    expect(none.stderr).toBe(
      'tokens: tokens revoke needs --store <SQLite file | redis:// URL> and/or --cache <redis:// URL>\n',
    )
    const bad = await tokensCli(['revoke', 'ada', '--cache', redis.url], { env: graph.env() })
    expect(bad.code).toBe(2)
    expect(bad.stderr).toBe("tokens: 'ada' is not a user id (digits, as Graph gives them)\n")
    const noArg = await tokensCli(['revoke'], { env: graph.env() })
    expect(noArg.code).toBe(2)
    expect(noArg.stderr).toBe("tokens: missing required argument 'user-id' (see tokens revoke --help)\n")
  })
})
