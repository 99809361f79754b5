import type { BenchOptions } from './bench-options.js'
import { runLoadOne } from './load.js'
import type { ServerKind } from './server-config.js'
import { type ServerProcess, startServer } from './server-process.js'
import { median } from './statistics.js'
import type { World } from './world.js'

/** The steps from bare Express to `tokens()` + `requireToken('user')`, each adding one thing. */
export const BREAKDOWN_STEPS = [
  { kind: 'express-bare', adds: 'bare Express (the route alone)' },
  { kind: 'express-noop', adds: 'one more middleware layer (only `next()`)' },
  { kind: 'express-attach', adds: 'setting `req.tokens` and `req.token`' },
  {
    kind: 'express-core',
    adds: "the core's work for a cached token (extract, SHA-256 key, LRU, token object), no properties",
  },
  { kind: 'express-tokens', adds: "`tokens()` + `requireToken('user')`, the real thing" },
] as const satisfies ReadonlyArray<{ kind: ServerKind; adds: string }>

export type BreakdownKind = (typeof BREAKDOWN_STEPS)[number]['kind']

/** Server CPU per request of each step (median of the runs), measured in the server's own process. */
export interface Breakdown {
  requestsPerRun: number
  microsPerRequest: Record<BreakdownKind, number>
  /** The lowest and highest of the runs, per step: differences inside this spread are noise. */
  rangeMicros: Record<BreakdownKind, [number, number]>
}

/** CPU µs the server spent per request over `requests` requests at the run's connections. */
async function cpuPerRequest(server: ServerProcess, tokens: string[], requests: number, connections: number) {
  const before = await server.cpuMicros()
  const result = await runLoadOne({ url: server.url, connections, amount: requests, tokens })
  if (result.failures > 0) throw new Error(`${result.failures} failed requests in the overhead breakdown`)
  return ((await server.cpuMicros()) - before) / requests
}

/**
 * Where the Express overhead goes: the same route in five servers, each adding one step on the way
 * to `tokens()`, all up at once in their own processes and loaded in turn (order alternating) with
 * the same token. CPU time per request, read in each server's process, is steadier than req/s on a
 * shared machine and adds up step by step.
 */
export async function breakdownBench(world: World, options: BenchOptions): Promise<Breakdown> {
  const requests = options.quick ? 3000 : 40_000
  const servers = await Promise.all(BREAKDOWN_STEPS.map((step) => startServer(world.config(step.kind))))
  try {
    const tokens = world.newTokens(1)
    for (const server of servers)
      await runLoadOne({ url: server.url, connections: options.connections, amount: requests, tokens })
    const samples = servers.map(() => [] as number[])
    for (let run = 0; run < options.runs; run++) {
      const order = servers.map((_, i) => i)
      if (run % 2 === 1) order.reverse()
      for (const i of order) {
        ;(samples[i] as number[]).push(
          await cpuPerRequest(servers[i] as ServerProcess, tokens, requests, options.connections),
        )
      }
    }
    const microsPerRequest = Object.fromEntries(
      BREAKDOWN_STEPS.map((step, i) => [step.kind, median(samples[i] as number[])]),
    ) as Record<BreakdownKind, number>
    const rangeMicros = Object.fromEntries(
      BREAKDOWN_STEPS.map((step, i) => [
        step.kind,
        [Math.min(...(samples[i] as number[])), Math.max(...(samples[i] as number[]))],
      ]),
    ) as Record<BreakdownKind, [number, number]>
    return { requestsPerRun: requests, microsPerRequest, rangeMicros }
  } finally {
    await Promise.all(servers.map((server) => server.stop()))
  }
}
