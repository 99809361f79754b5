import type { Breakdown } from './breakdown-bench.js'
import type { ChaosRun } from './chaos-bench.js'
import type { InServerTimings } from './in-server-bench.js'
import type { MachineLoad } from './machine-load.js'
import type { OpenTelemetryCost } from './open-telemetry-bench.js'
import type { ServerProfile } from './profile-bench.js'
import type { Spread } from './statistics.js'

/** One server's throughput figures: each the median of the runs. */
export interface Throughput {
  rps: number
  p50Ms: number
  p99Ms: number
  /** Non-2xx answers and errors over all runs (must be 0). */
  failures: number
}

/**
 * Bare route vs the same route behind token verification, measured as alternating pairs of short
 * runs (bare, tokens; tokens, bare; …), each figure first taken within its pair.
 */
export interface Overhead {
  /** Pairs of runs, and requests per run. */
  pairs: number
  requestsPerRun: number
  /** Medians of each side's runs. */
  bare: Throughput
  tokens: Throughput
  /** tokens.rps / bare.rps, median of the per-pair ratios. */
  ratio: number
  /** The per-pair ratios. */
  ratioSpread: Spread
  /** Server CPU µs per request, median of each side's runs. */
  cpuMicrosPerRequest: { bare: number; tokens: number }
  /** Server CPU µs per warm request, tokens minus bare, median of the per-pair differences. */
  addedCpuMicros: number
  /** The per-pair differences. */
  addedCpuSpread: Spread
  /**
   * Server CPU per request, tokens / bare, per pair: a figure the machine's speed of the moment
   * cancels out of (both sides of a pair run at about the same speed), where a difference scales with it.
   */
  cpuRatioSpread: Spread
  /** Each pair, in the order they ran: req/s ratio, server CPU µs per request of each side. */
  perPair: Array<{ ratio: number; bareCpuMicros: number; tokensCpuMicros: number }>
}

export interface Versus {
  graphMs: number
  /** Non-2xx answers and errors over every run of both (must be 0). */
  failures: number
  /** Unloaded (1 connection) p50, ms. */
  p50: { facebookToken: number; graphToken: number; ratio: number }
  /** At `connections` connections. */
  load: { facebookToken: Throughput; graphToken: Throughput; ratio: number; bareExpressRatio: number }
}

/**
 * Limited Login: `requireToken('limited_login')` vs express-oauth2-jwt-bearer on the same RS256 ID
 * tokens and the same Express route (bare Express as the ceiling), from `limited-login-bench.ts`.
 */
export interface LimitedLoginVersus {
  /** Rounds over the three servers with one repeated token, and requests per run. */
  pairs: number
  requestsPerRun: number
  repeated: {
    bare: Throughput
    tokens: Throughput
    peer: Throughput
    /** tokens / peer req/s, per round. */
    ratioSpread: Spread
    /** bare / peer req/s, per round: the most any verifier in front of this route could gain. */
    bareRatioSpread: Spread
    /** Server CPU µs per request over bare Express, per round. */
    addedCpuMicros: { tokens: Spread; peer: Spread }
    /** The peer's added CPU / ours, per round. */
    addedCpuRatioSpread: Spread
  }
  /** Every request a token the server has never seen (new ones every round). */
  firstSight: {
    rounds: number
    requestsPerRun: number
    tokens: Throughput
    peer: Throughput
    /** tokens / peer req/s, per round. */
    ratioSpread: Spread
    cpuMicrosPerRequest: { tokens: Spread; peer: Spread }
  }
  /** Non-2xx answers and errors over every run (must be 0). */
  failures: number
}

export interface ColdBurst {
  requests: number
  tokens: number
  connections: number
  graphMs: number
  /** `debug_token` calls counted by the emulator, one entry per run. */
  debugTokenCalls: number[]
  p99Ms: number
  failures: number
}

export interface Memory {
  tokens: number
  heapGrowthBytes: number
  bytesPerVerification: number
  /** The LRU's `cacheMaxEntries`: the warm-up tokens plus the measured ones. */
  bound: number
  cacheEntries: number
  /** After `beyondBound` more distinct tokens: entries stay at the bound, heap barely moves. */
  beyondBound: number
  cacheEntriesAfter: number
  heapGrowthBeyondBoundBytes: number
}

export interface SharedCache {
  tokens: number
  /** `debug_token` calls for the same stream: one process, and two processes sharing Redis. */
  debugTokenCalls: { oneProcess: number; twoProcesses: number }
  rps: { oneProcess: number; twoProcesses: number; ratio: number }
  failures: number
}

/** Latency of warm requests at one connection: medians of the runs. */
export interface Latency {
  p50Ms: number
  p99Ms: number
}

/** A Redis Cluster shared by several `redisCache` server processes. */
export interface ClusterBench {
  processes: number
  /** The servers' `redisCache` `commandTimeoutMs`. */
  commandTimeoutMs: number
  /** Distinct new tokens of the cold burst; each process gets `requestsPerProcess` requests carrying them. */
  tokens: number
  requestsPerProcess: number
  /** Connections over all processes. */
  connections: number
  graphMs: number
  /** `debug_token` calls the emulator served for the burst, fleet-wide (one per token is the goal). */
  debugTokenCalls: number
  /** The highest p99 of the processes in the burst. */
  burstP99Ms: number
  /**
   * Warm requests cycling through `tokens` verified tokens: the in-process cache alone (`express-tokens`),
   * `redisCache` on the cluster (its in-process layer answers), and `redisCache` with a one-entry
   * in-process layer (the cluster answers).
   */
  warm: { tokens: number; inProcess: Latency; localLayer: Latency; fromCluster: Latency }
  failures: number
}

export interface Results {
  date: string
  machine: string
  node: string
  quick: boolean
  runs: number
  seconds: number
  connections: number
  command: string
  /** The machine's 1-minute load average during the run (other work included). */
  load: MachineLoad
  express: Overhead
  /** What the Express overhead is made of: server CPU per request, step by step. */
  breakdown: Breakdown
  /** …and sampled by V8's profiler in the `tokens()` + `requireToken()` server: time per function. */
  profile: ServerProfile
  /** …and timed inside the servers, stage by stage, with the monotonic clock. */
  inServer: InServerTimings
  nest: Overhead
  versus: Versus
  coldBurst: ColdBurst
  memory: Memory
  sharedCache: SharedCache
  /** `redisCache` on a Redis Cluster: four processes' cold burst, and the warm path's latency (issue 20). */
  cluster: ClusterBench
  /**
   * Fastify: the `tokens` plugin vs bare Fastify, and vs passport-facebook-token through
   * `@fastify/passport` with 20 ms of Graph latency (`load.bareExpressRatio` is bare Fastify's there).
   */
  fastify: { overhead: Overhead; versus: Versus }
  /** iOS Limited Login ID tokens: against express-oauth2-jwt-bearer. */
  limitedLogin: LimitedLoginVersus
  /** The hot path with `@opentelemetry/api` absent, off, without an SDK and with one. */
  openTelemetry: OpenTelemetryCost
  /** The longer chaos run (full runs only). */
  chaos?: ChaosRun | undefined
}
