import { runLoad, runLoadOne } from './load.js'
import type { LoadResult } from './load-spec.js'
import type { ServerProcess } from './server-process.js'

/** One load run against one server, with the CPU time the server's process spent on it. */
export interface MeasuredRun extends LoadResult {
  /** Server CPU (user + system, every thread of its process, GC included) / requests answered, µs. */
  cpuMicrosPerRequest: number
}

/** How each run of {@link alternatingRuns} loads its server. */
export interface RunShape {
  connections: number
  /** Requests per run: a fixed count, so every run's CPU time divides by exactly what was answered. */
  requests: number
  /** Bearer tokens, used in turn. */
  tokens: readonly string[]
}

/** Loads `server` once with `shape`, reading its process's CPU time before and after. */
export async function measuredRun(server: ServerProcess, shape: RunShape): Promise<MeasuredRun> {
  const before = await server.cpuMicros()
  const result = await runLoadOne({
    url: server.url,
    connections: shape.connections,
    amount: shape.requests,
    tokens: shape.tokens,
  })
  const cpu = (await server.cpuMicros()) - before
  return { ...result, cpuMicrosPerRequest: cpu / Math.max(1, result.requests + result.failures) }
}

/**
 * Loads `servers` (each in its own process, all up at once) one after the other, `rounds` times, the
 * order reversed every other round (A B, B A, A B…): neighbours in time share the machine's state, and
 * a drift of it weighs on every server alike. Returns the runs by round, in the order of `servers`, so a
 * figure can be compared within its round (a pair) before the rounds are summarized.
 */
export async function alternatingRuns(
  servers: readonly ServerProcess[],
  rounds: number,
  shape: RunShape,
): Promise<MeasuredRun[][]> {
  const byRound: MeasuredRun[][] = []
  for (let round = 0; round < rounds; round++) {
    const order = servers.map((_, i) => i)
    if (round % 2 === 1) order.reverse()
    const runs: MeasuredRun[] = []
    for (const i of order) {
      runs[i] = await measuredRun(servers[i] as ServerProcess, shape)
    }
    byRound.push(runs)
  }
  return byRound
}

/**
 * Warms every server up (JIT, caches) with the same load, all at once from one load process: `seconds`
 * per pair of servers, so each gets about as many requests as `seconds` alone would give it.
 */
export async function warmUp(servers: readonly ServerProcess[], seconds: number, shape: RunShape): Promise<void> {
  const duration = seconds * Math.max(1, servers.length / 2)
  await runLoad(
    servers.map((server) => ({ url: server.url, connections: shape.connections, duration, tokens: shape.tokens })),
  )
}
