import { measuredRun, type RunShape, warmUp } from './alternating-runs.js'
import type { BenchOptions } from './bench-options.js'
import type { ServerKind } from './server-config.js'
import { startServer } from './server-process.js'
import { type Spread, spreadOf } from './statistics.js'
import type { World } from './world.js'

/**
 * The timed servers: the breakdown's hand-written middleware (`express-core`), the benchmarked
 * `tokens()` + `requireToken('user')` server, the benchmarked Nest server's `TokenGuard`, and bare
 * `node:http` for scale (property stores and SHA-256 without Express).
 */
export const TIMED_SERVERS = [
  'express-timed-core',
  'express-timed-tokens',
  'nest-timed',
  'http-timed',
] as const satisfies ReadonlyArray<ServerKind>

/** One stage's nanoseconds per warm request, over the runs. */
export interface TimedStage {
  server: (typeof TIMED_SERVERS)[number]
  stage: string
  ns: Spread
}

/** Stages of the warm path timed inside the servers that run them. */
export interface InServerTimings {
  runs: number
  requestsPerRun: number
  stages: TimedStage[]
}

/**
 * The warm path's stages timed inside the server (`process.hrtime` around each, on every request, less
 * the cost of reading the clock), over `rounds` runs of `requests` warm requests per server after a
 * warm-up: what a step costs without the noise of comparing two servers' CPU time.
 */
export async function inServerBench(world: World, options: BenchOptions): Promise<InServerTimings> {
  const { rounds, requests } = options.breakdown
  const runs = Math.min(rounds, 5)
  const shape: RunShape = { connections: options.connections, requests, tokens: world.newTokens(1) }
  const stages: TimedStage[] = []
  for (const kind of TIMED_SERVERS) {
    const server = await startServer(world.config(kind))
    try {
      await warmUp([server], options.warmupSeconds, shape)
      await server.stageTimes() // counts start after the warm-up
      const perRun: Record<string, number>[] = []
      for (let run = 0; run < runs; run++) {
        const result = await measuredRun(server, shape)
        if (result.failures > 0) throw new Error(`${result.failures} failed requests in ${kind}`)
        perRun.push((await server.stageTimes()).ns)
      }
      for (const stage of Object.keys(perRun[0] ?? {})) {
        stages.push({ server: kind, stage, ns: spreadOf(perRun.map((ns) => ns[stage] as number)) })
      }
    } finally {
      await server.stop()
    }
  }
  return { runs, requestsPerRun: requests, stages }
}
