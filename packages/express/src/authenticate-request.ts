import type { TokenOfType, Tokens, TokenType } from '@tokens/core'
import { authenticateRequest, HttpsPolicy, type RouteRequirement } from '@tokens/core/adapter'
import type { NextFunction, Request } from 'express'

/** How many `tokens()` middlewares this process built, for `requireToken()`'s startup warning. */
export const middlewares = { created: 0, warned: false }

const strict = new HttpsPolicy()
const lenient = new HttpsPolicy({ allowInsecure: true })

/**
 * Verifies the request's token with the core (the core's HTTPS policy, on Express's facts: its `env`,
 * and `req.protocol`, which honours `trust proxy`), sets `req.token` and `req.tokens`, then calls
 * `next()` — at once when the core answers at once (a cached token) — or `fail(error)` with the
 * `TokenError`.
 */
export function verifyRequest<T extends TokenType>(
  core: Tokens,
  req: Request,
  route: RouteRequirement<T>,
  allowInsecure: boolean | undefined,
  next: NextFunction,
  fail: (error: unknown) => void,
): void {
  const policy = allowInsecure === true ? lenient : strict
  const secure = policy.isSecure(req.app.get('env') === 'production', () => ({ protocol: req.protocol }))
  authenticateRequest(core, req, route.options(secure), (error, token?: TokenOfType<T>) => {
    if (error) {
      fail(error)
      return
    }
    req.tokens = core
    req.token = token
    next()
  })
}
