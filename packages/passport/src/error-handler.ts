import type { ServerResponse } from 'node:http'
import { isTokenError, type TokenError } from '@tokens/core'
import { failureOf, responseOf } from './token-failure.js'

/**
 * An Express error-handling middleware (four parameters), typed structurally.
 *
 * @example
 * ```ts
 * const handler: TokensErrorHandler = tokensErrorHandler()
 * app.use(handler)
 * ```
 */
export type TokensErrorHandler = (
  error: unknown,
  req: object,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void

/** Passport's `AuthenticationError` (from `failWithError: true`), recognised without importing it. */
function authenticationStatus(error: unknown): number | undefined {
  if (!(error instanceof Error) || error.name !== 'AuthenticationError') return undefined
  const status = (error as { status?: unknown }).status
  return typeof status === 'number' ? status : undefined
}

function tokenErrorOf(error: unknown, req: object): TokenError | undefined {
  if (isTokenError(error)) return error
  const status = authenticationStatus(error)
  const failure = failureOf(req)
  return status !== undefined && failure?.status === status ? failure : undefined
}

/**
 * Renders the core's answer for a token refusal: the status, `WWW-Authenticate` or `Retry-After`,
 * and the JSON body `{ error, error_description, reason? }`, the same bytes as `@tokens/express`.
 * It handles a `TokenError` (a Graph outage during `graph-token`) and Passport's
 * `AuthenticationError` from `failWithError: true`; anything else goes to the next handler.
 *
 * @example
 * ```ts
 * import passport from 'passport'
 * import { tokensErrorHandler } from '@tokens/passport'
 *
 * app.get('/me', passport.authenticate('graph-token', { session: false, failWithError: true }), (req, res) => {
 *   res.json(req.user)
 * })
 * app.use(tokensErrorHandler())
 * ```
 */
export function tokensErrorHandler(): TokensErrorHandler {
  return (error, req, res, next) => {
    const tokenError = tokenErrorOf(error, req)
    if (tokenError === undefined || res.headersSent) return next(error)
    const { status, headers, body } = responseOf(req, tokenError)
    res.statusCode = status
    // Passport may have joined several strategies' challenges; the core's header replaces them.
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value)
    res.setHeader('Content-Type', 'application/json; charset=utf-8')
    res.end(JSON.stringify(body))
  }
}
