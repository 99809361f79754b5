import type { TokenError, TokenErrorResponse } from '@tokens/core'

/** The last `TokenError` each request failed with, and the realm of its core. */
interface Failure {
  error: TokenError
  realm: string
}

/** Each request's last failure, for `tokensErrorHandler()` and `TokenAuthGuard` to render in full. */
const failures = new WeakMap<object, Failure>()

/** Anything with a writable header, like `http.ServerResponse` (and so Express's `res`). */
interface HeaderTarget {
  headersSent?: boolean
  setHeader(name: string, value: string): unknown
}

/** Remembers why `req` was refused, so an error handler can render the core's full answer. */
export function rememberFailure(req: object, error: TokenError, realm: string): void {
  failures.set(req, { error, realm })
}

/** Why `req` was refused by a strategy of this package, if it was. */
export function failureOf(req: object): TokenError | undefined {
  return failures.get(req)?.error
}

/** The core's answer for `error`, in the realm of the core that refused `req` with it (else `'api'`). */
export function responseOf(req: object, error: TokenError): TokenErrorResponse {
  const failure = failures.get(req)
  return error.toResponse(failure?.error === error ? failure.realm : undefined)
}

/**
 * Sets the core's response headers (challenge, `Cache-Control`, `Retry-After`) on a response that
 * has not started yet: Passport itself writes `WWW-Authenticate` on a 401 only.
 */
export function applyHeaders(res: HeaderTarget | undefined, error: TokenError, realm: string): void {
  if (res === undefined || res.headersSent) return
  for (const [name, value] of Object.entries(error.toResponse(realm).headers)) res.setHeader(name, value)
}
