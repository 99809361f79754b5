/** One autocannon run, as the runner asks the load process for it. */
export interface LoadTarget {
  url: string
  connections: number
  /** Seconds; or use `amount`. */
  duration?: number
  /** Total requests, spread over the connections. */
  amount?: number
  /** Bearer tokens, used in turn request after request (one shared counter over all connections). */
  tokens: readonly string[]
}

/** Several targets loaded at the same time (two servers sharing one Redis). */
export interface LoadRequest {
  targets: readonly LoadTarget[]
}

/** What one target got, latencies measured per response with sub-millisecond precision. */
export interface LoadResult {
  requests: number
  /** Requests per second over the run. */
  rps: number
  p50Ms: number
  p99Ms: number
  /** Answers other than 2xx, plus connection errors and timeouts. */
  failures: number
}

export interface LoadReply {
  results: LoadResult[]
}
