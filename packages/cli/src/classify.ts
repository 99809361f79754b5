import { GraphApiError, isTokenError, refusedCredentials, type TokenError } from '@tokens/core'
import { CliFailure, unavailable, usage } from './failure.js'

/** Words of a store's errors about opening a stored value: the key is missing or wrong. */
const KEY_PROBLEMS =
  /not sealed, while encryption is on|does not open with key|which is not in encryption\.keys|has no encryption option/

/** Why an error happened, as one line naming what to fix; decides the exit code. */
export function classify(error: unknown): CliFailure {
  if (error instanceof CliFailure) return error
  if (isTokenError(error)) return fromTokenError(error)
  if (error instanceof GraphApiError) return fromGraphError(error)
  if (error instanceof Error) {
    const cause = error.cause
    if (error.name === 'RedisUnavailableError') return unavailable(`Redis: ${error.message}`, error)
    if (KEY_PROBLEMS.test(error.message)) {
      return usage(`${error.message.replace(/encryption\.keys/g, '--key')} (see --key)`, error)
    }
    if (error instanceof TypeError) return usage(error.message, error)
    if (cause !== undefined && cause !== error && (isTokenError(cause) || cause instanceof GraphApiError)) {
      return classify(cause)
    }
    return new CliFailure('internal', `unexpected error: ${error.message} (run with --debug and report it)`, {
      cause: error,
    })
  }
  return new CliFailure('internal', `unexpected error: ${String(error)}`)
}

function fromTokenError(error: TokenError): CliFailure {
  switch (error.code) {
    case 'invalid_token':
      return new CliFailure('invalid_token', `${error.message} (${error.reason})`, { cause: error })
    case 'invalid_request':
      return usage(`the token is malformed: ${error.message}`, error)
    case 'token_required':
      return usage('no token given', error)
    case 'insufficient_scope':
      return usage(error.message, error)
    case 'graph_unavailable': {
      const after = error.retryAfterSeconds === undefined ? '' : `, try again in ${error.retryAfterSeconds} s`
      return unavailable(`${error.message}${detail(error.cause)}${after} (check --graph-url / META_GRAPH_URL)`, error)
    }
    case 'store_unavailable':
      return unavailable(`the token store is unavailable${detail(error.cause)}`, error)
    case 'misconfigured':
      return usage(
        error.message.replace('check the appId and appSecret options', 'check --app-id and META_APP_SECRET'),
        error,
      )
    default: {
      const unknown: never = error.code
      return usage(`refused: ${String(unknown)}`, error)
    }
  }
}

function fromGraphError(error: GraphApiError): CliFailure {
  if (refusedCredentials(error) !== undefined) {
    return usage(
      `Graph API refused the app's credentials (${error.message}): check --app-id and META_APP_SECRET`,
      error,
    )
  }
  switch (error.category) {
    case 'auth':
      return new CliFailure('invalid_token', `Graph API refused the token: ${error.message}`, { cause: error })
    case 'throttle':
    case 'transient':
      return unavailable(`Graph API is unavailable: ${error.message}`, error)
    default:
      return usage(`Graph API refused the request: ${error.message}`, error)
  }
}

/** `: <the cause's message>` when there is one. */
function detail(cause: unknown): string {
  if (!(cause instanceof Error) || cause.message === '') return ''
  let code: unknown
  for (let e: unknown = cause, depth = 0; e instanceof Error && depth < 5 && code === undefined; e = e.cause, depth++) {
    code = (e as { code?: unknown }).code
  }
  return typeof code === 'string' && !cause.message.includes(code)
    ? `: ${cause.message} (${code})`
    : `: ${cause.message}`
}
