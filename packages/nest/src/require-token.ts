import { SetMetadata } from '@nestjs/common'
import type { AccessToken, TokenOfType, TokenRequirement, TokenType } from '@tokens/core'
import { checkTokenRequirement } from '@tokens/core/adapter'

/**
 * Metadata key of {@link RequireToken} (read by `TokenGuard`): the route's `TokenRequirement`, for guards of your own.
 *
 * @example
 * ```ts
 * import type { ExecutionContext } from '@nestjs/common'
 * import type { Reflector } from '@nestjs/core'
 * import type { TokenRequirement } from '@tokens/core'
 *
 * function requirementOf(reflector: Reflector, context: ExecutionContext): TokenRequirement | undefined {
 *   return reflector.getAllAndOverride<TokenRequirement | undefined>(REQUIRE_TOKEN_METADATA, [
 *     context.getHandler(),
 *     context.getClass(),
 *   ])
 * }
 * ```
 */
export const REQUIRE_TOKEN_METADATA = '@tokens/nest:require-token'

/** The token classes among a handler's parameters. */
type TokenParameters<M> = M extends (...args: infer A) => unknown ? Extract<A[number], AccessToken> : never

/** `unknown` when every token parameter of `M` accepts the tokens `T` lets through; `never` otherwise. */
type AcceptsTokens<T extends TokenType, M> = [TokenParameters<M>] extends [never]
  ? unknown
  : [TokenOfType<T>] extends [TokenParameters<M>]
    ? unknown
    : never

/**
 * What `@RequireToken(...)` returns: a class decorator, or a method decorator that refuses (at compile
 * time) a handler whose token parameter cannot hold the tokens the route lets through.
 *
 * @example
 * ```ts
 * const pageOnly: RequireTokenDecorator<'page'> = RequireToken('page')
 * ```
 */
export interface RequireTokenDecorator<T extends TokenType> {
  (target: abstract new (...args: never[]) => unknown): void
  <M>(target: object, key: string | symbol, descriptor: TypedPropertyDescriptor<M> & AcceptsTokens<T, M>): void
}

/**
 * Requires a token on a route (method) or on every route of a controller (class); the handler's
 * requirement wins over the controller's. `TokenGuard` enforces it: no token answers 401
 * `token_required`, the wrong type or a missing scope 403 `insufficient_scope`. An unknown type or
 * scopes that are not strings throw a `TypeError` when the class is defined.
 *
 * @example
 * ```ts
 * import { Controller, Post, UseGuards } from '@nestjs/common'
 * import type { PageToken } from '@tokens/core'
 *
 * @Controller('posts')
 * @UseGuards(TokenGuard)
 * class PostsController {
 *   @Post()
 *   @RequireToken('page', { scopes: ['pages_manage_posts'] })
 *   create(@CurrentToken() page: PageToken) {
 *     return { pageId: page.pageId }
 *   }
 * }
 * ```
 */
export function RequireToken<T extends TokenType = TokenType>(
  type?: T | readonly T[],
  options: { scopes?: readonly string[] } = {},
): RequireTokenDecorator<T> {
  checkTokenRequirement({ type, scopes: options.scopes }, '@RequireToken')
  const requirement: TokenRequirement<T> = {}
  if (type !== undefined) requirement.type = type
  if (options.scopes !== undefined) requirement.scopes = options.scopes
  return SetMetadata(REQUIRE_TOKEN_METADATA, requirement) as RequireTokenDecorator<T>
}
