import { randomUUID } from 'node:crypto'
// The same throwaway redis-server the redis package's tests start (bundled into the bench's build).
import { startRedis } from '../../packages/redis/test/redis-server.js'
import type { BenchOptions } from './bench-options.js'
import { runLoad } from './load.js'
import type { LoadTarget } from './load-spec.js'
import type { SharedCache } from './results.js'
import { type ServerProcess, startServer } from './server-process.js'
import { median } from './statistics.js'
import { GRAPH_LATENCY_MS } from './versus-bench.js'
import type { World } from './world.js'

/**
 * One process vs two processes sharing one Redis (`redisCache`), fed the same stream of new
 * tokens: `debug_token` calls in the cold burst (the two processes see every token at the same
 * time), then warm throughput with the connections split over the two.
 */
export async function sharedCacheBench(world: World, options: BenchOptions): Promise<SharedCache> {
  const redis = await startRedis()
  const { requests, tokens: count, connections } = options.burst
  let failures = 0
  const started: ServerProcess[] = []
  const cold = async (processes: number) => {
    const redisPrefix = `bench-${randomUUID()}:`
    const servers = await Promise.all(
      Array.from({ length: processes }, () =>
        startServer(world.config('express-redis', { redisUrl: redis.url, redisPrefix })),
      ),
    )
    started.push(...servers)
    const tokens = world.newTokens(count)
    world.emu.resetCounts()
    world.emu.setFaults({ latencyMs: GRAPH_LATENCY_MS })
    const burst = servers.map((s) => ({ url: s.url, connections: connections / processes, amount: requests, tokens }))
    try {
      for (const r of await runLoad(burst)) failures += r.failures + (requests - r.requests - r.failures)
    } finally {
      world.emu.setFaults(null)
    }
    return { servers, tokens, calls: world.emu.requestCount('/debug_token') }
  }
  const throughput = async (targets: LoadTarget[]) => {
    const rps: number[] = []
    for (let run = 0; run < options.runs; run++) {
      const results = await runLoad(targets)
      failures += results.reduce((sum, r) => sum + r.failures, 0)
      rps.push(results.reduce((sum, r) => sum + r.rps, 0))
    }
    return median(rps)
  }
  const split = (servers: readonly ServerProcess[], tokens: string[]): LoadTarget[] =>
    servers.map((s) => ({ url: s.url, connections: options.connections / servers.length, tokens }))
  const warm = async (servers: readonly ServerProcess[], tokens: string[]) => {
    await runLoad(split(servers, tokens).map((t) => ({ ...t, duration: options.warmupSeconds })))
    return throughput(split(servers, tokens).map((t) => ({ ...t, duration: options.seconds })))
  }
  try {
    const one = await cold(1)
    const two = await cold(2)
    const oneRps = await warm(one.servers, one.tokens)
    const twoRps = await warm(two.servers, two.tokens)
    return {
      tokens: count,
      debugTokenCalls: { oneProcess: one.calls, twoProcesses: two.calls },
      rps: { oneProcess: oneRps, twoProcesses: twoRps, ratio: twoRps / oneRps },
      failures,
    }
  } finally {
    for (const server of started) await server.stop()
    await redis.stop()
  }
}
