import { alternatingRuns, type MeasuredRun, type RunShape, warmUp } from './alternating-runs.js'
import type { BenchOptions } from './bench-options.js'
import type { LoadResult } from './load-spec.js'
import type { Overhead, Throughput } from './results.js'
import type { ServerKind } from './server-config.js'
import { startServer } from './server-process.js'
import { median, spreadOf } from './statistics.js'
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
 * processes, after a warm-up that also fills the cache: `pairs` alternating pairs of short runs (bare
 * then tokens, tokens then bare, …), each run reading the server's CPU time. Each pair gives a req/s
 * ratio and an added CPU time per request; the figures are their medians, with their spread.
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
    const { pairs, requests } = options.overhead
    const shape: RunShape = { connections: options.connections, requests, tokens: world.newTokens(1) }
    await warmUp([bare, guarded], options.warmupSeconds, shape)
    const rounds = await alternatingRuns([bare, guarded], pairs, shape)
    const bareRuns = rounds.map(([b]) => b as MeasuredRun)
    const tokenRuns = rounds.map(([, t]) => t as MeasuredRun)
    const perPair = rounds.map(([b, t]) => ({
      ratio: (t as MeasuredRun).rps / (b as MeasuredRun).rps,
      bareCpuMicros: (b as MeasuredRun).cpuMicrosPerRequest,
      tokensCpuMicros: (t as MeasuredRun).cpuMicrosPerRequest,
    }))
    const ratioSpread = spreadOf(perPair.map((p) => p.ratio))
    const addedCpuSpread = spreadOf(perPair.map((p) => p.tokensCpuMicros - p.bareCpuMicros))
    return {
      pairs,
      requestsPerRun: requests,
      bare: summarize(bareRuns),
      tokens: summarize(tokenRuns),
      ratio: ratioSpread.median,
      ratioSpread,
      cpuMicrosPerRequest: {
        bare: median(perPair.map((p) => p.bareCpuMicros)),
        tokens: median(perPair.map((p) => p.tokensCpuMicros)),
      },
      addedCpuMicros: addedCpuSpread.median,
      addedCpuSpread,
      cpuRatioSpread: spreadOf(perPair.map((p) => p.tokensCpuMicros / p.bareCpuMicros)),
      perPair,
    }
  } finally {
    await bare.stop()
    await guarded.stop()
  }
}
