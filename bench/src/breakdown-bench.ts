import { alternatingRuns, type MeasuredRun, type RunShape, warmUp } from './alternating-runs.js'
import type { BenchOptions } from './bench-options.js'
import type { ServerKind } from './server-config.js'
import { startServer } from './server-process.js'
import { type Spread, spreadOf } from './statistics.js'
import type { World } from './world.js'

/** The steps from bare Express to `tokens()` + `requireToken('user')`, each server adding one thing to the one before. */
export const BREAKDOWN_STEPS = [
  { kind: 'express-bare', adds: 'bare Express (the route alone)' },
  { kind: 'express-noop', adds: 'one more middleware layer (only `next()`)' },
  { kind: 'express-attach', adds: 'setting `req.tokens` and `req.token` in it (values made at startup)' },
  {
    kind: 'express-core',
    adds: "the core's work for the request's cached token (`tryAuthenticate`: extract, SHA-256 key, LRU, token object) to make `req.token`",
  },
  {
    kind: 'express-middleware',
    adds: "`tokens()` instead of that hand-written middleware (the adapter's HTTPS policy, options, callback)",
  },
  { kind: 'express-tokens', adds: "`requireToken('user').handle()` around the route: the real thing" },
] as const satisfies ReadonlyArray<{ kind: ServerKind; adds: string }>

export type BreakdownKind = (typeof BREAKDOWN_STEPS)[number]['kind']

/** One step of the breakdown: server CPU µs per request, and what it adds, each over the rounds. */
export interface BreakdownStep {
  kind: BreakdownKind
  adds: string
  /** Server CPU µs per request, over the step's runs. */
  micros: Spread
  /** Per round, this step minus the step before (the step's own cost; 0 for bare). */
  added: Spread
  /** Per round, this step minus bare. */
  overBare: Spread
}

/** Where the Express overhead goes, step by step. */
export interface Breakdown {
  rounds: number
  requestsPerRun: number
  steps: BreakdownStep[]
}

/**
 * Where the Express overhead goes: the same route in six servers, each adding one step to the one
 * before on the way to `tokens()` + `requireToken()`, all up at once in their own processes, with the
 * same token. Each round loads every server once (order reversed every other round) and reads the CPU
 * time each spent per request in its own process; a step's cost is its difference with the step before
 * *within a round*, then the median over the rounds. Differences of medians taken over separate runs
 * would carry the machine's drift between those runs (±10 µs here), several times what a step costs.
 */
export async function breakdownBench(world: World, options: BenchOptions): Promise<Breakdown> {
  const { rounds, requests } = options.breakdown
  const servers = await Promise.all(BREAKDOWN_STEPS.map((step) => startServer(world.config(step.kind))))
  try {
    const shape: RunShape = { connections: options.connections, requests, tokens: world.newTokens(1) }
    await warmUp(servers, options.warmupSeconds, shape)
    const byRound = await alternatingRuns(servers, rounds, shape)
    const failures = byRound.flat().reduce((sum, run) => sum + run.failures, 0)
    if (failures > 0) throw new Error(`${failures} failed requests in the overhead breakdown`)
    const cpu = (round: MeasuredRun[], i: number) => (round[i] as MeasuredRun).cpuMicrosPerRequest
    return {
      rounds,
      requestsPerRun: requests,
      steps: BREAKDOWN_STEPS.map((step, i) => ({
        kind: step.kind,
        adds: step.adds,
        micros: spreadOf(byRound.map((round) => cpu(round, i))),
        added: spreadOf(byRound.map((round) => (i === 0 ? 0 : cpu(round, i) - cpu(round, i - 1)))),
        overBare: spreadOf(byRound.map((round) => cpu(round, i) - cpu(round, 0))),
      })),
    }
  } finally {
    await Promise.all(servers.map((server) => server.stop()))
  }
}
