import { randomUUID } from 'node:crypto'
// The same throwaway Redis Cluster the redis package's tests start (bundled into the bench's build).
import { startCluster } from '../../packages/redis/test/redis-cluster.js'
import type { BenchOptions } from './bench-options.js'
import { runLoad, runLoadOne } from './load.js'
import type { ClusterBench, Latency } from './results.js'
import type { ServerConfig } from './server-config.js'
import { type ServerProcess, startServer } from './server-process.js'
import { median } from './statistics.js'
import { GRAPH_LATENCY_MS } from './versus-bench.js'
import type { World } from './world.js'

/** Server processes sharing the cluster in the cold burst. */
const PROCESSES = 4
/**
 * `commandTimeoutMs` of the servers' `redisCache`. A process whose Redis command takes longer verifies
 * the token itself (the cache fails open), and on this 2-core machine, loaded by four servers, six
 * Redis processes, autocannon and other people's work, the default 500 ms was sometimes exceeded.
 */
const COMMAND_TIMEOUT_MS = 2000
/** Distinct warm tokens the latency runs cycle through. */
const WARM_TOKENS = 200

/**
 * A Redis Cluster (three primaries, one replica each) shared by four `redisCache` server processes:
 * the cold burst fed to all four at once (`debug_token` calls vs distinct tokens, fleet-wide), then
 * the warm path's latency at one connection (rounds of one run each, the order rotating): the in-process cache alone, `redisCache` on the cluster
 * answering from its in-process layer, and `redisCache` with a one-entry in-process layer, so that
 * nearly every verification is read from the cluster.
 */
export async function clusterBench(world: World, options: BenchOptions): Promise<ClusterBench> {
  const cluster = await startCluster()
  const { requests, tokens: count, connections } = options.burst
  const started: ServerProcess[] = []
  let failures = 0
  const start = async (config: ServerConfig) => {
    const server = await startServer(config)
    started.push(server)
    return server
  }
  const onCluster = (extra: Partial<ServerConfig> = {}) =>
    world.config('express-redis', {
      redisNodes: cluster.nodes,
      redisPrefix: `bench-${randomUUID()}:`,
      redisCommandTimeoutMs: COMMAND_TIMEOUT_MS,
      ...extra,
    })
  /**
   * p50 and p99 at one connection of each server, after a warm-up over the same tokens: rounds of one
   * run per server, the order rotating every round so that none is always first; medians of the rounds.
   */
  const latencies = async (servers: ServerProcess[], tokens: string[]): Promise<Latency[]> => {
    const target = (server: ServerProcess) => ({ url: server.url, connections: 1, tokens })
    for (const server of servers) {
      failures += (await runLoadOne({ ...target(server), duration: options.warmupSeconds })).failures
    }
    const p50s = servers.map((): number[] => [])
    const p99s = servers.map((): number[] => [])
    for (let round = 0; round < Math.max(options.runs, 3); round++) {
      for (let k = 0; k < servers.length; k++) {
        const i = (round + k) % servers.length
        const result = await runLoadOne({ ...target(servers[i] as ServerProcess), duration: options.seconds })
        failures += result.failures
        p50s[i]?.push(result.p50Ms)
        p99s[i]?.push(result.p99Ms)
      }
    }
    return servers.map((_, i) => ({ p50Ms: median(p50s[i] ?? []), p99Ms: median(p99s[i] ?? []) }))
  }
  try {
    // Cold burst: the same new tokens sent to all four processes at once.
    const config = onCluster()
    const servers = await Promise.all(Array.from({ length: PROCESSES }, () => start(config)))
    const tokens = world.newTokens(count)
    world.emu.resetCounts()
    world.emu.setFaults({ latencyMs: GRAPH_LATENCY_MS })
    const p99s: number[] = []
    try {
      const burst = servers.map((s) => ({ url: s.url, connections: connections / PROCESSES, amount: requests, tokens }))
      for (const r of await runLoad(burst)) {
        failures += r.failures + (requests - r.requests - r.failures)
        p99s.push(r.p99Ms)
      }
    } finally {
      world.emu.setFaults(null)
    }
    const debugTokenCalls = world.emu.requestCount('/debug_token')
    for (const server of started.splice(0)) await server.stop()

    // Warm path latency.
    const warm = world.newTokens(WARM_TOKENS)
    const [inProcess, localLayer, fromCluster] = (await latencies(
      [
        await start(world.config('express-tokens')),
        await start(onCluster()),
        await start(onCluster({ redisLocalMaxEntries: 1 })),
      ],
      warm,
    )) as [Latency, Latency, Latency]
    return {
      processes: PROCESSES,
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
      tokens: count,
      requestsPerProcess: requests,
      connections,
      graphMs: GRAPH_LATENCY_MS,
      debugTokenCalls,
      burstP99Ms: Math.max(...p99s),
      warm: { tokens: WARM_TOKENS, inProcess, localLayer, fromCluster },
      failures,
    }
  } finally {
    for (const server of started) await server.stop()
    await cluster.stop()
  }
}
