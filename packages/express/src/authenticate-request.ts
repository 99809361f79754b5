import type { AuthenticateOptions, TokenOfType, Tokens, TokenType } from '@tokens/core'
import type { NextFunction, Request } from 'express'
import { isSecureEnough } from './https-guard.js'

/** How many `tokens()` middlewares this process built, for `requireToken()`'s startup warning. */
export const middlewares = { created: 0, warned: false }

/**
 * A requirement as the core's `authenticate` takes it, for secure and for insecure requests: built
 * once per middleware, not once per request.
 */
export interface Requirements<T extends TokenType> {
  secure: AuthenticateOptions<T>
  insecure: AuthenticateOptions<T>
}

/** The two forms of a requirement. */
export function requirements<T extends TokenType>(requirement: AuthenticateOptions<T>): Requirements<T> {
  return { secure: { ...requirement, secure: true }, insecure: { ...requirement, secure: false } }
}

function attach<T extends TokenType>(req: Request, core: Tokens, token: TokenOfType<T> | undefined): void {
  req.tokens = core
  req.token = token
}

/**
 * The core's `authenticate` (with the HTTPS check): sets `req.token` and `req.tokens`, then calls
 * `next()`, at once when the core answers at once (a cached token), or `fail(error)` with the
 * `TokenError`.
 */
export function authenticateRequest<T extends TokenType>(
  core: Tokens,
  req: Request,
  requirement: Requirements<T>,
  allowInsecure: boolean | undefined,
  next: NextFunction,
  fail: (error: unknown) => void,
): void {
  const options = isSecureEnough(req, allowInsecure) ? requirement.secure : requirement.insecure
  let result: ReturnType<typeof core.tryAuthenticate<T>>
  try {
    result = core.tryAuthenticate(req, options)
  } catch (error) {
    fail(error)
    return
  }
  if (result instanceof Promise) {
    result.then((token) => {
      attach(req, core, token)
      next()
    }, fail)
    return
  }
  attach(req, core, result)
  next()
}
