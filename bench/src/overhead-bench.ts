import type { BenchOptions } from './bench-options.js'
import { runLoadOne } from './load.js'
import type { LoadResult } from './load-spec.js'
import type { Overhead, Throughput } from './results.js'
import type { ServerKind } from './server-config.js'
import { startServer } from './server-process.js'
import { median } from './statistics.js'
import type { World } from './world.js'

/** Medians of several runs of one server. */
export function summarize(runs: readonly LoadResult[]): Throughput {
  return {
    rps: median(runs.map((r) => r.rps)),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    failures: runs.reduce((sum, r) => sum + r.failures, 0),
  }
}

/**
 * The same route bare and behind token verification, both servers up at once in their own
 * processes, loaded in turn (alternating which goes first) after a warm-up that also fills the cache.
 */
export async function overheadBench(
  world: World,
  options: BenchOptions,
  bareKind: ServerKind,
  tokensKind: ServerKind,
): Promise<Overhead> {
  const bare = await startServer(world.config(bareKind))
  const guarded = await startServer(world.config(tokensKind))
  try {
    const tokens = world.newTokens(1)
    const target = (url: string, duration: number) => ({ url, connections: options.connections, duration, tokens })
    await runLoadOne(target(bare.url, options.warmupSeconds))
    await runLoadOne(target(guarded.url, options.warmupSeconds))
    const bareRuns: LoadResult[] = []
    const tokenRuns: LoadResult[] = []
    for (let run = 0; run < options.runs; run++) {
      const order = run % 2 === 0 ? ([bare, guarded] as const) : ([guarded, bare] as const)
      for (const server of order) {
        const result = await runLoadOne(target(server.url, options.seconds))
        ;(server === bare ? bareRuns : tokenRuns).push(result)
      }
    }
    return {
      bare: summarize(bareRuns),
      tokens: summarize(tokenRuns),
      ratio: median(tokenRuns.map((r, i) => r.rps / (bareRuns[i] as LoadResult).rps)),
    }
  } finally {
    await bare.stop()
    await guarded.stop()
  }
}
