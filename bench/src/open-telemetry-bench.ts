import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { BenchOptions } from './bench-options.js'
import { firstMessage } from './child-process.js'
import { type Spread, spreadOf } from './statistics.js'
import type { World } from './world.js'

/**
 * What the core meets: `@opentelemetry/api` not installed (the baseline), installed but turned off
 * (`openTelemetry: false`), installed with no SDK registered (its no-op tracer and meter), and
 * installed with the SDK registered (every span sampled and batched, metrics aggregated).
 */
export type OpenTelemetryVariant = 'absent' | 'off' | 'api' | 'sdk'

export const OPEN_TELEMETRY_VARIANTS: readonly OpenTelemetryVariant[] = ['absent', 'off', 'api', 'sdk']

/** What one child process measured. */
export interface OpenTelemetrySample {
  /** CPU time (user + system) of one warm `tryAuthenticate` (answered from the in-process cache), ns. */
  nsPerVerification: number
  /** How many times the core looked for `@opentelemetry/api` and did not find it (the `absent` child). */
  apiLookups: number
}

/** The hot path's cost with each variant, against `absent` in the same round. */
export interface OpenTelemetryCost {
  rounds: number
  verificationsPerRun: number
  /** ns per warm verification, per variant, over the rounds. */
  nsPerVerification: Record<OpenTelemetryVariant, Spread>
  /** Per round: the variant's ns / the `absent` ns of that round. */
  ratio: Record<Exclude<OpenTelemetryVariant, 'absent'>, Spread>
  /** Lookups of `@opentelemetry/api` by the `absent` child's core (1: looked once, found nothing). */
  absentLookups: number
}

const HIDE_API = fileURLToPath(new URL('../src/hide-open-telemetry.cjs', import.meta.url))
const MAIN = fileURLToPath(new URL('./open-telemetry-main.js', import.meta.url))

/** Runs one child (`open-telemetry-main.ts`) with `variant` and returns what it measured. */
async function sample(variant: OpenTelemetryVariant, input: string): Promise<OpenTelemetrySample> {
  const child = fork(MAIN, [variant], {
    execArgv: variant === 'absent' ? ['--require', HIDE_API] : [],
    env: { ...process.env, TOKENS_BENCH_OPEN_TELEMETRY: input },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const answer = await firstMessage<OpenTelemetrySample>(child)
  await exited
  return answer
}

/**
 * The hot path (a warm token's `tryAuthenticate`) in one process per variant, `rounds` rounds with the
 * order reversed every other round, each variant's time divided by the `absent` time of its round.
 */
export async function openTelemetryBench(world: World, options: BenchOptions): Promise<OpenTelemetryCost> {
  const { rounds, verifications } = options.openTelemetry
  const [token] = world.newTokens(1)
  const input = JSON.stringify({ config: world.config('express-tokens'), token, verifications })
  const ns = new Map<OpenTelemetryVariant, number[]>(OPEN_TELEMETRY_VARIANTS.map((v) => [v, []]))
  const ratios = new Map<OpenTelemetryVariant, number[]>(OPEN_TELEMETRY_VARIANTS.map((v) => [v, []]))
  let absentLookups = 0
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? OPEN_TELEMETRY_VARIANTS : [...OPEN_TELEMETRY_VARIANTS].reverse()
    const measured = new Map<OpenTelemetryVariant, number>()
    for (const variant of order) {
      const result = await sample(variant, input)
      measured.set(variant, result.nsPerVerification)
      if (variant === 'absent') absentLookups = result.apiLookups
    }
    const baseline = measured.get('absent') as number
    for (const [variant, value] of measured) {
      ns.get(variant)?.push(value)
      ratios.get(variant)?.push(value / baseline)
    }
  }
  const spreadOfVariant = (map: Map<OpenTelemetryVariant, number[]>, v: OpenTelemetryVariant) =>
    spreadOf(map.get(v) ?? [])
  return {
    rounds,
    verificationsPerRun: verifications,
    nsPerVerification: {
      absent: spreadOfVariant(ns, 'absent'),
      off: spreadOfVariant(ns, 'off'),
      api: spreadOfVariant(ns, 'api'),
      sdk: spreadOfVariant(ns, 'sdk'),
    },
    ratio: {
      off: spreadOfVariant(ratios, 'off'),
      api: spreadOfVariant(ratios, 'api'),
      sdk: spreadOfVariant(ratios, 'sdk'),
    },
    absentLookups,
  }
}
