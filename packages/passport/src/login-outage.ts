import http from 'node:http'
import https from 'node:https'
import { classifyGraphError, DEFAULTS, GraphApiError, refusedCredentials, TokenError } from '@tokens/core'

/** Graph's error object, as `GraphApiError` reads it. */
type GraphErrorBody = ConstructorParameters<typeof GraphApiError>[1]

/** What a login answers while Graph is down: 503 with `Retry-After`, the failure kept as `cause`. */
function graphUnavailable(cause: unknown, realm: string): TokenError {
  return new TokenError('graph_unavailable', 'Graph API is unavailable; try to log in again later', { realm, cause })
}

/**
 * Graph's error answer to passport-facebook's code exchange, as the core's `TokenError` when it is
 * not the user's doing: `misconfigured` (500) when Graph refuses the app's own credentials (a wrong
 * app secret: 400 `(#1) Error validating client secret.`, an unknown app id: 101), and
 * `graph_unavailable` (503) for an outage: HTTP 5xx, `is_transient`, or throttling (4, 17, 32, 341,
 * 613, 80001-80014, answered 400). Anything else is `undefined`, for passport-facebook to parse.
 */
export function tokenAnswerOutage(
  body: unknown,
  status: number,
  realm: string,
  secrets: readonly string[],
): TokenError | undefined {
  let error: unknown
  try {
    error = typeof body === 'string' ? (JSON.parse(body) as { error?: unknown }).error : undefined
  } catch {
    // Not JSON (a proxy's error page): only the status tells.
  }
  const answer: GraphErrorBody = typeof error === 'object' && error !== null ? error : {}
  const graphError = new GraphApiError(status, answer, secrets)
  const refused = refusedCredentials(graphError, realm)
  if (refused !== undefined) return refused
  const outage = status >= 500 || graphError.isTransient || graphError.category === 'throttle'
  return outage ? graphUnavailable(graphError, realm) : undefined
}

/** passport-facebook's and passport-oauth2's errors, as far as the mapping reads them. */
interface PassportFacebookError extends Error {
  /** Graph's error code (`FacebookGraphAPIError`, `FacebookTokenError`). */
  code?: unknown
  /** `InternalOAuthError`: the network error, or `{ statusCode, data }` of an HTTP error. */
  oauthError?: unknown
}

/**
 * A failure of passport-facebook's own Graph calls that is an outage, as `graph_unavailable`: no
 * answer (refused, reset, timed out), an HTTP 5xx, or a throttling or transient Graph error of the
 * profile call. Anything else (a spent code, a wrong app secret…) is returned unchanged, and so are
 * the core's errors: its acquisition already answers outages as `graph_unavailable`.
 */
export function asLoginOutage(error: unknown, realm: string): unknown {
  if (!(error instanceof Error)) return error
  const { name, code, oauthError } = error as PassportFacebookError
  if (name === 'InternalOAuthError') {
    const status = (oauthError as { statusCode?: unknown } | undefined)?.statusCode
    const unanswered = oauthError instanceof Error
    return unanswered || (typeof status === 'number' && status >= 500) ? graphUnavailable(error, realm) : error
  }
  if (name === 'FacebookGraphAPIError' && typeof code === 'number') {
    const category = classifyGraphError(code)
    return category === 'throttle' || category === 'transient' ? graphUnavailable(error, realm) : error
  }
  return error
}

/**
 * An HTTP agent for passport-facebook's Graph calls (which have no timeout of their own): a socket
 * silent for `timeoutMs` is destroyed with `ETIMEDOUT`, which ends the login in `graph_unavailable`.
 */
export function deadlineAgent(
  graphUrl: string = DEFAULTS.graphUrl,
  timeoutMs: number = DEFAULTS.timeoutMs,
): http.Agent {
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs < 1) {
    throw new TypeError("FacebookLoginStrategy: option 'timeoutMs' must be a number ≥ 1")
  }
  const secure = new URL(graphUrl).protocol === 'https:'
  const agent: http.Agent = secure ? new https.Agent({ timeout: timeoutMs }) : new http.Agent({ timeout: timeoutMs })
  const connect = agent.createConnection.bind(agent)
  agent.createConnection = (options, callback) => {
    const socket = connect(options, callback)
    socket?.once('timeout', () => {
      const timedOut = Object.assign(new Error(`Graph API timed out after ${timeoutMs} ms`), { code: 'ETIMEDOUT' })
      socket.destroy(timedOut)
    })
    return socket
  }
  return agent
}
