import type { BenchOptions } from './bench-options.js'
import { runLoadOne } from './load.js'
import type { ColdBurst } from './results.js'
import { startServer } from './server-process.js'
import { median } from './statistics.js'
import { GRAPH_LATENCY_MS } from './versus-bench.js'
import type { World } from './world.js'

/**
 * `requests` requests carrying `tokens` distinct tokens never seen before, at `connections`
 * concurrency, against a fresh `tokens()` Express server, with Graph answering in 20 ms: how many
 * `debug_token` calls the emulator served (must equal `tokens`) and the p99 latency.
 */
export async function coldBurstBench(world: World, options: BenchOptions): Promise<ColdBurst> {
  const { requests, tokens: count, connections } = options.burst
  const calls: number[] = []
  const p99s: number[] = []
  let failures = 0
  world.emu.setFaults({ latencyMs: GRAPH_LATENCY_MS })
  try {
    for (let run = 0; run < Math.max(options.runs, 1); run++) {
      const server = await startServer(world.config('express-tokens'))
      try {
        const tokens = world.newTokens(count)
        world.emu.resetCounts()
        const result = await runLoadOne({ url: server.url, connections, amount: requests, tokens })
        calls.push(world.emu.requestCount('/debug_token'))
        p99s.push(result.p99Ms)
        failures += result.failures + (requests - result.requests - result.failures)
      } finally {
        await server.stop()
      }
    }
  } finally {
    world.emu.setFaults(null)
  }
  return {
    requests,
    tokens: count,
    connections,
    graphMs: GRAPH_LATENCY_MS,
    debugTokenCalls: calls,
    p99Ms: median(p99s),
    failures,
  }
}
