import { isTokenError, type TokenError, type Tokens } from '@tokens/core'
import type { NextFunction, Request, Response } from 'express'
import type { ExpressAdapterOptions } from './adapter-options.js'

/**
 * Answers a rejection exactly as the core describes it: status, `WWW-Authenticate` (or
 * `Retry-After`), `Cache-Control: no-store` and the JSON body. This is the default rendering; call
 * it from your own `onError` to fall back to it. The challenge's realm is the `realm` option of the
 * core that refused the request (else of `req.tokens`), `'api'` without one.
 *
 * @example
 * ```ts
 * app.use(tokens({ appId, appSecret, onError: (error, req, res) => {
 *   console.warn('token refused', error.code, req.path)
 *   sendTokenError(res, error)
 * } }))
 * ```
 */
export function sendTokenError(res: Response, error: TokenError): void {
  const req = res.req as Request | undefined
  render(res, error, req === undefined ? undefined : (refusedBy.get(req) ?? req.tokens)?.realm)
}

/** The core whose refusal a request is being answered with, for the realm of its challenge. */
const refusedBy = new WeakMap<Request, Tokens>()

function render(res: Response, error: TokenError, realm: string | undefined): void {
  const { status, headers, body } = error.toResponse(realm)
  res.status(status).set(headers).json(body)
}

/**
 * Routes a failure: a `TokenError` is rendered (by `onError` or the default) in the realm of `core`,
 * the core that refused it; a `misconfigured` one (Graph refused the
 * app's own credentials: the server's fault, status 500) and anything else go to `next(error)`, to the
 * app's error handler and its logs.
 */
export function handleFailure(
  error: unknown,
  req: Request,
  res: Response,
  next: NextFunction,
  options: ExpressAdapterOptions,
  core: Tokens | undefined,
): void {
  if (!isTokenError(error) || error.code === 'misconfigured') {
    next(error)
    return
  }
  if (options.onError === undefined) {
    render(res, error, (core ?? req.tokens)?.realm)
    return
  }
  if (core !== undefined) refusedBy.set(req, core)
  try {
    Promise.resolve(options.onError(error, req, res, next)).catch(next)
  } catch (thrown) {
    next(thrown)
  }
}
