import { type ExecutionContext, HttpException, Logger, mixin, type Type } from '@nestjs/common'
import { AuthGuard, type IAuthGuard } from '@nestjs/passport'
import { isTokenError, type TokenError } from '@tokens/core'
import { failureOf, responseOf } from './token-failure.js'

/** A response of either Nest platform: Express's `res` and Fastify's `reply` both have `header()`. */
interface HeaderTarget {
  header?: (name: string, value: string) => unknown
  setHeader?: (name: string, value: string) => unknown
}

const logger = new Logger('TokenAuthGuard')

/**
 * Answers a `TokenError` the way `TokenGuard` and its filter do: the core's headers set on the
 * platform's response, then an `HttpException` with the core's status and JSON body, which Nest's own
 * exception handling writes (so the answer does not depend on `TokensModule`'s filter being there).
 */
function refuse(error: TokenError, context: ExecutionContext): never {
  if (error.code === 'misconfigured') logger.error(error.message)
  const { status, headers, body } = responseOf(context.switchToHttp().getRequest<object>(), error)
  if (context.getType() === 'http') {
    const response = context.switchToHttp().getResponse<HeaderTarget>()
    for (const [name, value] of Object.entries(headers)) {
      if (typeof response.header === 'function') response.header(name, value)
      else response.setHeader?.(name, value)
    }
  }
  throw new HttpException(body, status, { cause: error })
}

const guards = new Map<string, Type<IAuthGuard>>()

/**
 * `@nestjs/passport`'s `AuthGuard(strategy)` for the `graph-token` strategy, answering exactly what
 * `@tokens/nest`'s `TokenGuard` answers: 401 `token_required` or `invalid_token`, 400
 * `invalid_request`, 403 `insufficient_scope` and 503 `graph_unavailable` with the core's
 * `WWW-Authenticate` or `Retry-After`, `Cache-Control: no-store` and JSON body, where the plain
 * `AuthGuard('graph-token')` answers 401 `{"message":"Unauthorized"}` or 500. On platform-express and
 * platform-fastify, with or without `TokensModule`. `strategy` is the name the strategy was registered
 * under (`PassportStrategy(GraphTokenStrategy, 'graph-token-page')`), or a list of them.
 *
 * @example
 * ```ts
 * import { UseGuards } from '@nestjs/common'
 * import { PassportStrategy } from '@nestjs/passport'
 * import type { UserToken } from '@tokens/core'
 * import { GraphTokenStrategy } from '@tokens/passport'
 * import { TokenAuthGuard } from '@tokens/passport/nest'
 *
 * // An @Injectable() provider of your module: registered as 'graph-token-user' when Nest builds it.
 * class GraphTokenUserStrategy extends PassportStrategy(GraphTokenStrategy, 'graph-token-user') {
 *   constructor() {
 *     super({ appId: '1234', appSecret: 'app-secret-value', type: 'user' })
 *   }
 *   validate(token: UserToken) {
 *     return { id: token.userId } // becomes req.user
 *   }
 * }
 *
 * // On a controller class or a handler: @UseGuards(TokenAuthGuard('graph-token-user'))
 * const guardUsers = UseGuards(TokenAuthGuard('graph-token-user'))
 * ```
 */
export function TokenAuthGuard(strategy: string | string[] = 'graph-token'): Type<IAuthGuard> {
  const key = JSON.stringify(strategy)
  const known = guards.get(key)
  if (known !== undefined) return known
  class GraphTokenAuthGuard extends AuthGuard(strategy) {
    override handleRequest<TUser>(
      error: unknown,
      user: TUser | false | null,
      _info: unknown,
      context: ExecutionContext,
    ): TUser {
      if (isTokenError(error)) refuse(error, context)
      if (error) throw error
      if (!user) {
        const failure = failureOf(context.switchToHttp().getRequest<object>())
        if (failure !== undefined) refuse(failure, context)
        return super.handleRequest(error, user, _info, context)
      }
      return user
    }
  }
  const guard = mixin(GraphTokenAuthGuard)
  guards.set(key, guard)
  return guard
}
