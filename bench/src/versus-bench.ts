import type { BenchOptions } from './bench-options.js'
import { runLoadOne } from './load.js'
import type { LoadResult } from './load-spec.js'
import { summarize } from './overhead-bench.js'
import type { Versus } from './results.js'
import type { ServerKind } from './server-config.js'
import { startServer } from './server-process.js'
import { median } from './statistics.js'
import type { World } from './world.js'

/** Graph's latency in this comparison: the emulator waits this long before every answer. */
export const GRAPH_LATENCY_MS = 20

/**
 * `graph-token` vs passport-facebook-token against the emulator with 20 ms of Graph latency: p50
 * with one connection (unloaded), then throughput at `connections` connections.
 * `bareExpressRps` is the bare figure of the same framework in the same run: the ceiling of the ratio.
 * `kinds` picks the two servers (on Fastify: passport-facebook-token through `@fastify/passport` vs
 * the `tokens` plugin).
 */
export async function versusBench(
  world: World,
  options: BenchOptions,
  bareExpressRps: number,
  kinds: { legacy: ServerKind; ours: ServerKind } = { legacy: 'passport-facebook-token', ours: 'passport-graph-token' },
): Promise<Versus> {
  const legacy = await startServer(world.config(kinds.legacy))
  const ours = await startServer(world.config(kinds.ours))
  world.emu.setFaults({ latencyMs: GRAPH_LATENCY_MS })
  try {
    const tokens = world.newTokens(1)
    const target = (url: string, connections: number, duration: number) => ({ url, connections, duration, tokens })
    const servers = [legacy, ours] as const
    for (const server of servers) await runLoadOne(target(server.url, options.connections, options.warmupSeconds))
    const single = new Map(servers.map((s) => [s, [] as LoadResult[]]))
    const loaded = new Map(servers.map((s) => [s, [] as LoadResult[]]))
    for (let run = 0; run < options.runs; run++) {
      const order = run % 2 === 0 ? servers : ([ours, legacy] as const)
      for (const server of order) {
        single.get(server)?.push(await runLoadOne(target(server.url, 1, options.seconds)))
        loaded.get(server)?.push(await runLoadOne(target(server.url, options.connections, options.seconds)))
      }
    }
    const p50 = (server: typeof legacy) => median((single.get(server) ?? []).map((r) => r.p50Ms))
    const facebookToken = summarize(loaded.get(legacy) ?? [])
    const graphToken = summarize(loaded.get(ours) ?? [])
    const all = [...single.values(), ...loaded.values()].flat()
    return {
      graphMs: GRAPH_LATENCY_MS,
      failures: all.reduce((sum, r) => sum + r.failures, 0),
      p50: { facebookToken: p50(legacy), graphToken: p50(ours), ratio: p50(ours) / p50(legacy) },
      load: {
        facebookToken,
        graphToken,
        ratio: graphToken.rps / facebookToken.rps,
        bareExpressRatio: bareExpressRps / facebookToken.rps,
      },
    }
  } finally {
    world.emu.setFaults(null)
    await legacy.stop()
    await ours.stop()
  }
}
