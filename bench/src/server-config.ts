/** The servers the benchmarks compare, each run in its own process by `server-main.ts`. */
export type ServerKind =
  | 'express-bare'
  | 'express-tokens'
  | 'nest-bare'
  | 'nest-tokens'
  | 'passport-facebook-token'
  | 'passport-graph-token'
  | 'express-redis'
  | 'fastify-bare'
  | 'fastify-tokens'
  | 'fastify-passport-facebook-token'
  // iOS Limited Login ID tokens: ours, and express-oauth2-jwt-bearer's auth() on the same route:
  | 'express-limited-login'
  | 'express-jwt-bearer'
  // The steps from bare Express to tokens(), for the overhead breakdown:
  | 'express-noop'
  | 'express-attach'
  | 'express-core'
  | 'express-middleware'
  // Servers that time stages of their own handling (in-server timings):
  | 'express-timed-core'
  | 'express-timed-tokens'
  | 'nest-timed'
  | 'http-timed'

/** What a server process needs to know: which server, and where Graph (the emulator) and Redis are. */
export interface ServerConfig {
  kind: ServerKind
  graphUrl: string
  appId: string
  appSecret: string
  /** Emulator time in ms: the core's clock, frozen like the emulator's. */
  nowMs: number
  /** For `express-redis`: a standalone Redis's URL, or (`redisNodes`) the nodes of a Redis Cluster. */
  redisUrl?: string
  redisNodes?: { host: string; port: number }[]
  /** `localMaxEntries` of the `redisCache` (1: nearly every verification is read from Redis). */
  redisLocalMaxEntries?: number
  /** `commandTimeoutMs` of the `redisCache`. */
  redisCommandTimeoutMs?: number
  /** Key prefix in Redis, new for every scenario so runs do not see each other's entries. */
  redisPrefix?: string
}

/** The message a server process sends once it listens. */
export interface ServerReady {
  port: number
}

/** Every server answers this route: the same tiny JSON body, bare or behind token verification. */
export const ROUTE = '/me'

/** What a server process answers to the runner's `'cpu'` message: its CPU time so far, and its clock. */
export interface ServerCpu {
  /** User + system CPU time of the process (every thread), µs. */
  cpuMicros: number
  /** The process's monotonic clock, µs: the clock of V8's CPU profiles, to cut a window out of one. */
  monotonicMicros: number
}
