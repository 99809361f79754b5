import { join } from 'node:path'

/** How big a run is: `--quick` is the reduced version (under a minute), the default the full one. */
export interface BenchOptions {
  quick: boolean
  /** Where `latest.md`, `latest.json` and `ratios.svg` go. */
  outDir: string
  /**
   * Overhead (Express, Nest): `pairs` alternating pairs of runs (bare, tokens; tokens, bare; …) of
   * `requests` requests each; each ratio and each added CPU time is the median of the pairs.
   */
  overhead: { pairs: number; requests: number }
  /** The Express overhead step by step: `rounds` rounds over its servers (order alternating), `requests` per run. */
  breakdown: { rounds: number; requests: number }
  /** Warm requests sampled by V8's profiler in the `tokens()` server, for where its time goes. */
  profileRequests: number
  /** Runs per throughput figure of the other benchmarks; each figure is their median. */
  runs: number
  /** Seconds of one throughput run. */
  seconds: number
  /** Seconds of warm-up load before the runs (JIT, caches). */
  warmupSeconds: number
  /** Connections of the throughput runs. */
  connections: number
  /** Cold burst: requests, distinct new tokens, concurrency. */
  burst: { requests: number; tokens: number; connections: number }
  /**
   * Limited Login vs express-oauth2-jwt-bearer: `pairs` rounds of `requests` requests with one repeated
   * ID token, then `firstSightRounds` rounds of `firstSightRequests` requests with a new token each.
   */
  limitedLogin: { pairs: number; requests: number; firstSightRounds: number; firstSightRequests: number }
  /**
   * OpenTelemetry on the hot path: `rounds` rounds of one process per variant (api absent, off, no
   * SDK, SDK), each timing `verifications` warm verifications.
   */
  openTelemetry: { rounds: number; verifications: number }
  /** Memory: tokens verified before measuring, tokens measured, then tokens past the LRU bound (as many: a leak would double the heap). */
  memory: { warmup: number; tokens: number; beyondBound: number }
}

/**
 * Parses `--quick` and `--out <dir>`; unknown arguments are an error. Without `--out`, a full run
 * writes to `resultsDir` and a quick one to `resultsDir/quick`, so it never replaces the full results.
 */
export function parseBenchOptions(argv: readonly string[], resultsDir: string): BenchOptions {
  let quick = false
  let out: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--quick') quick = true
    else if (arg === '--out' && argv[i + 1] !== undefined) out = argv[++i] as string
    else if (arg !== '--') throw new TypeError(`unknown argument ${arg}: use --quick and --out <dir>`)
  }
  const outDir = out ?? (quick ? join(resultsDir, 'quick') : resultsDir)
  return quick
    ? {
        quick,
        outDir,
        overhead: { pairs: 2, requests: 1500 },
        breakdown: { rounds: 1, requests: 1500 },
        profileRequests: 3000,
        runs: 1,
        seconds: 1,
        warmupSeconds: 0.5,
        connections: 32,
        burst: { requests: 1000, tokens: 100, connections: 100 },
        limitedLogin: { pairs: 2, requests: 1500, firstSightRounds: 2, firstSightRequests: 300 },
        memory: { warmup: 500, tokens: 5000, beyondBound: 5000 },
        openTelemetry: { rounds: 2, verifications: 50_000 },
      }
    : {
        quick,
        outDir,
        overhead: { pairs: 12, requests: 15_000 },
        breakdown: { rounds: 10, requests: 10_000 },
        profileRequests: 60_000,
        runs: 5,
        seconds: 4,
        warmupSeconds: 2,
        connections: 32,
        burst: { requests: 1000, tokens: 100, connections: 100 },
        limitedLogin: { pairs: 10, requests: 10_000, firstSightRounds: 6, firstSightRequests: 1000 },
        memory: { warmup: 1000, tokens: 100_000, beyondBound: 100_000 },
        openTelemetry: { rounds: 10, verifications: 500_000 },
      }
}
