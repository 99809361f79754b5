import type { ExecutionContext } from '@nestjs/common'
import type { AccessToken, RequestLike } from '@tokens/core'

/**
 * The request as `TokenGuard` sees it: what the core reads a token from, and `token`, the verified
 * token the guard attaches (`undefined` when the request carried none).
 *
 * @example
 * ```ts
 * @Get('me')
 * me(@Req() req: TokenRequest) {
 *   return { type: req.token?.type }
 * }
 * ```
 */
export interface TokenRequest extends RequestLike {
  token?: AccessToken | undefined
}

/** Verified tokens by the request object they were attached to, so any context type can find them. */
const verified = new WeakMap<object, AccessToken | undefined>()

/** Attaches a verified token (or its absence) to the request. */
export function attachToken(request: TokenRequest, token: AccessToken | undefined): void {
  request.token = token
  verified.set(request, token)
}

/**
 * The token `TokenGuard` attached for this call: the HTTP request's, or, in other contexts
 * (GraphQL, RPC), that of the argument (or its `req`) that the guard's `getRequest` returned.
 */
export function findToken(context: ExecutionContext): AccessToken | undefined {
  const candidates: unknown[] =
    context.getType() === 'http'
      ? [context.switchToHttp().getRequest()]
      : context.getArgs().flatMap((arg: unknown) => [arg, (arg as { req?: unknown } | null | undefined)?.req])
  for (const candidate of candidates) {
    if (typeof candidate === 'object' && candidate !== null && verified.has(candidate)) return verified.get(candidate)
  }
  return undefined
}
