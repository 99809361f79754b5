import { TokenError } from './errors.js'
import { GraphApiError } from './graph-api-error.js'
import type { GraphClient } from './graph-client.js'

/**
 * Turns a retryable Graph failure (transient or throttle, after the client's retries) into the
 * `graph_unavailable` `TokenError` clients get as 503 with `Retry-After`; anything else is returned
 * unchanged. One place decides, so verification and acquisition answer outages alike.
 */
export function asOutage(
  error: unknown,
  graph: GraphClient,
  realm: string,
  description = 'Graph API is unavailable',
): unknown {
  if (!(error instanceof GraphApiError) || !error.retryable) return error
  const throttled = error.category === 'throttle'
  return new TokenError('graph_unavailable', throttled ? 'Graph API is throttling the app' : description, {
    realm,
    cause: error,
    retryAfterSeconds: throttled ? graph.retryAfterSeconds() : undefined,
  })
}
