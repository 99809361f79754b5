import { isTokenError, type TokenError } from '@tokens/core'
import type { NextFunction, Request, Response } from 'express'
import type { ExpressAdapterOptions } from './adapter-options.js'

/**
 * Answers a rejection exactly as the core describes it: status, `WWW-Authenticate` (or
 * `Retry-After`), `Cache-Control: no-store` and the JSON body. This is the default rendering; call
 * it from your own `onError` to fall back to it.
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
  const { status, headers, body } = error.toResponse()
  res.status(status).set(headers).json(body)
}

/**
 * Routes a failure: a `TokenError` is rendered (by `onError` or the default); a `misconfigured` one
 * (Graph refused the app's own credentials: the server's fault, status 500) and anything else go to
 * `next(error)`, to the app's error handler and its logs.
 */
export function handleFailure(
  error: unknown,
  req: Request,
  res: Response,
  next: NextFunction,
  options: ExpressAdapterOptions,
): void {
  if (!isTokenError(error) || error.code === 'misconfigured') {
    next(error)
    return
  }
  if (options.onError === undefined) {
    sendTokenError(res, error)
    return
  }
  try {
    Promise.resolve(options.onError(error, req, res, next)).catch(next)
  } catch (thrown) {
    next(thrown)
  }
}
