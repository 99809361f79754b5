import type { TokenOfType, Tokens, TokenType } from '@tokens/core'
import { authenticateRequest, HttpsPolicy, type RouteRequirement } from '@tokens/core/adapter'
import type { NextFunction, Request, Response } from 'express'
import type { ExpressAdapterOptions } from './adapter-options.js'
import { handleFailure } from './send-token-error.js'

/** How many `tokens()` middlewares this process built, for `requireToken()`'s startup warning. */
export const middlewares = { created: 0, warned: false }

const strict = new HttpsPolicy()
const lenient = new HttpsPolicy({ allowInsecure: true })

/**
 * Verifies the request's token with the core (the core's HTTPS policy, on Express's facts: its `env`,
 * and `req.protocol`, which honours `trust proxy` and is read only in production), sets `req.token`
 * and `req.tokens`, then calls `next()` — at once when the core answers at once (a cached token) — or
 * renders the `TokenError` with `options` (`handleFailure`). One closure per request, none of them
 * built for the failure.
 */
export function verifyRequest<T extends TokenType>(
  core: Tokens,
  req: Request,
  res: Response,
  next: NextFunction,
  route: RouteRequirement<T>,
  options: ExpressAdapterOptions,
): void {
  const policy = options.allowInsecure === true ? lenient : strict
  // The request is its own transport facts: `req.protocol` is a getter, evaluated only if the policy reads it.
  const secure = policy.isSecure(req.app.get('env') === 'production', req)
  authenticateRequest(core, req, route.options(secure), (error, token?: TokenOfType<T>) => {
    if (error) {
      handleFailure(error, req, res, next, options, core)
      return
    }
    req.tokens = core
    req.token = token
    next()
  })
}
