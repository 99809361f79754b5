import type { TokenError } from '@tokens/core'

/** The last `TokenError` each request failed with, for `tokensErrorHandler()` to render in full. */
const failures = new WeakMap<object, TokenError>()

/** Anything with a writable header, like `http.ServerResponse` (and so Express's `res`). */
interface HeaderTarget {
  headersSent?: boolean
  setHeader(name: string, value: string): unknown
}

/** Remembers why `req` was refused, so an error handler can render the core's full answer. */
export function rememberFailure(req: object, error: TokenError): void {
  failures.set(req, error)
}

/** Why `req` was refused by a strategy of this package, if it was. */
export function failureOf(req: object): TokenError | undefined {
  return failures.get(req)
}

/**
 * Sets the core's response headers (challenge, `Cache-Control`, `Retry-After`) on a response that
 * has not started yet: Passport itself writes `WWW-Authenticate` on a 401 only.
 */
export function applyHeaders(res: HeaderTarget | undefined, error: TokenError): void {
  if (res === undefined || res.headersSent) return
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value)
}
