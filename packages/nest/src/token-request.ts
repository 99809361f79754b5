import type { ExecutionContext } from '@nestjs/common'
import type { AccessToken, RequestLike } from '@tokens/core'

/**
 * The request as `TokenGuard` sees it: what the core reads a token from, and `token`, the verified
 * token the guard attaches (`undefined` when the request carried none).
 *
 * @example
 * ```ts
 * import { Controller, Get, Req } from '@nestjs/common'
 *
 * @Controller()
 * class MeController {
 *   @Get('me')
 *   me(@Req() req: TokenRequest) {
 *     return { type: req.token?.type }
 *   }
 * }
 * ```
 */
export interface TokenRequest extends RequestLike {
  token?: AccessToken | undefined
}

/**
 * Where the guard keeps the verified token on the request object (a symbol: the app's own `token`
 * property could be changed by anyone), so any context type can find it.
 */
const VERIFIED = Symbol('@tokens/nest verified token')

type Verified = { [VERIFIED]?: AccessToken | undefined }

/** Attaches a verified token (or its absence) to the request; `true`, the guard's answer. */
export function attachToken(request: TokenRequest, token: AccessToken | undefined): true {
  request.token = token
  ;(request as Verified)[VERIFIED] = token
  return true
}

/**
 * The token `TokenGuard` attached for this call: the HTTP request's, or, in other contexts
 * (GraphQL, RPC), that of the argument (or its `req`) that the guard's `getRequest` returned.
 */
export function findToken(context: ExecutionContext): AccessToken | undefined {
  // An HTTP request is the one candidate: no list is built for it, on every request.
  if (context.getType() === 'http') return verifiedOn(context.switchToHttp().getRequest())
  for (const arg of context.getArgs()) {
    if (isVerified(arg)) return arg[VERIFIED]
    const req = (arg as { req?: unknown } | null | undefined)?.req
    if (isVerified(req)) return req[VERIFIED]
  }
  return undefined
}

function isVerified(candidate: unknown): candidate is Verified {
  return typeof candidate === 'object' && candidate !== null && Object.hasOwn(candidate, VERIFIED)
}

function verifiedOn(candidate: unknown): AccessToken | undefined {
  return isVerified(candidate) ? candidate[VERIFIED] : undefined
}
