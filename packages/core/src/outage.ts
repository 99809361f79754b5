import { TokenError } from './errors.js'
import { GraphApiError } from './graph-api-error.js'
import type { GraphClient } from './graph-client.js'

/**
 * Turns a Graph failure that is not the client's doing into the `TokenError` a client gets: refused
 * app credentials are `misconfigured` (500: see {@link misconfigured}), a retryable failure
 * (transient or throttle, after the client's retries) is `graph_unavailable` (503 with
 * `Retry-After`); anything else is returned unchanged. One place decides, so verification and
 * acquisition answer alike. `appTokenCall`: the call was made with the app token, so an auth error
 * (190, 102) is about that token, that is about the app's own credentials.
 */
export function asOutage(
  error: unknown,
  graph: GraphClient,
  description = 'Graph API is unavailable',
  appTokenCall = false,
): unknown {
  if (!(error instanceof GraphApiError)) return error
  if (error.credentialsRefused || (appTokenCall && error.category === 'auth')) {
    return misconfigured(`Graph said: ${error.message}`, error)
  }
  if (!error.retryable) return error
  const throttled = error.category === 'throttle'
  return new TokenError('graph_unavailable', throttled ? 'Graph API is throttling the app' : description, {
    cause: error,
    retryAfterSeconds: throttled ? graph.retryAfterSeconds() : undefined,
  })
}

/**
 * The `misconfigured` `TokenError` for a Graph answer that refused the app's own credentials (a wrong
 * client secret, an unknown app id, a wrong `appsecret_proof`), or `undefined` for any other answer.
 * For Graph calls the core does not make itself, such as a login library's code exchange.
 *
 * @example
 * ```ts
 * import { GraphApiError, refusedCredentials } from '@tokens/core'
 * const answer = new GraphApiError(400, { message: 'Error validating client secret.', type: 'OAuthException', code: 1 })
 * refusedCredentials(answer)?.status // 500
 * ```
 */
export function refusedCredentials(error: GraphApiError): TokenError | undefined {
  return error.credentialsRefused ? misconfigured(`Graph said: ${error.message}`, error) : undefined
}

/**
 * Graph refused the app's own credentials (a wrong `appSecret` or `appId`): the server's fault, never
 * the client's (no 401) and no outage to wait out (no 503 with `Retry-After`). The message says what
 * to fix, without the secret; the client's answer says only that the server is misconfigured.
 */
export function misconfigured(detail: string, cause?: unknown): TokenError {
  return new TokenError(
    'misconfigured',
    `Graph API refused the app's credentials: check the appId and appSecret options (${detail})`,
    { cause },
  )
}
