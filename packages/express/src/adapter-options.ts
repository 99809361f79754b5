import type { TokenError } from '@tokens/core'
import type { NextFunction, Request, Response } from 'express'

/**
 * Renders a rejection yourself instead of the default JSON answer. It receives the core's
 * `TokenError`: use `error.toResponse(req.tokens.realm)` (status, headers in the core's realm, body)
 * so the answer stays the core's decision.
 *
 * @example
 * ```ts
 * const onError: TokenErrorHandler = (error, req, res) => {
 *   const { status, headers } = error.toResponse(req.tokens?.realm)
 *   res.status(status).set(headers).render('denied', { code: error.code })
 * }
 * ```
 */
export type TokenErrorHandler = (error: TokenError, req: Request, res: Response, next: NextFunction) => unknown

/**
 * Options shared by every middleware of this package.
 *
 * @example
 * ```ts
 * const options: ExpressAdapterOptions = { allowInsecure: process.env.LOCAL_DEV === '1' }
 * ```
 */
export interface ExpressAdapterOptions {
  /**
   * Renders rejections. `tokens()` passes its `onError` on to the `requireToken()` and callback
   * handlers that run after it in the same request, unless they have their own.
   * @default `res.status(status).set(headers).json(body)` from the core's `toResponse()`
   */
  onError?: TokenErrorHandler
  /**
   * Accept tokens over plain HTTP even when Express's `env` is `production` (it follows
   * `NODE_ENV`). Behind a TLS-terminating proxy, set Express's `trust proxy` instead.
   * @default false
   */
  allowInsecure?: boolean
}

const inherited = new WeakMap<Request, ExpressAdapterOptions>()

/** Records the options of `tokens()` for the handlers that run after it in this request. */
export function rememberOptions(req: Request, options: ExpressAdapterOptions): void {
  // Nothing to inherit is the common case: spare every request a WeakMap entry.
  if (options.onError !== undefined || options.allowInsecure !== undefined) inherited.set(req, options)
}

/** A handler's own options, falling back to those of the `tokens()` that ran before it. */
export function optionsFor(req: Request, own: ExpressAdapterOptions): ExpressAdapterOptions {
  const parent = inherited.get(req)
  if (parent === undefined) return own
  return {
    onError: own.onError ?? parent.onError,
    allowInsecure: own.allowInsecure ?? parent.allowInsecure,
  }
}
