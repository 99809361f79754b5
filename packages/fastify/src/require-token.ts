import type { TokenOfType, Tokens, TokenType } from '@tokens/core'
import { RouteRequirement } from '@tokens/core/adapter'
import type {
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
  preHandlerHookHandler,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
  RouteGenericInterface,
} from 'fastify'
import { handleFailure } from './send-token-error.js'

/**
 * The route generic a passed `app.requireToken(T)` guarantees: `request.token` is the token class of
 * `T`. Fastify infers it from the `preHandler`; name it yourself beside other generics.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify'
 * import { type TokenRoute, tokens } from '@tokens/fastify'
 *
 * const app = Fastify()
 * await app.register(tokens, { appId: '1234', appSecret: 'app-secret-value' })
 * app.post<TokenRoute<'page'> & { Body: { message: string } }>(
 *   '/posts',
 *   { preHandler: app.requireToken('page') },
 *   async (request) => ({ pageId: request.token.pageId, length: request.body.message.length }),
 * )
 * ```
 */
export interface TokenRoute<T extends TokenType = TokenType> extends RouteGenericInterface {
  Token: TokenOfType<T>
}

/**
 * Options of `app.requireToken()`.
 *
 * @example
 * ```ts
 * const options: RequireTokenOptions = { scopes: ['pages_manage_posts'] }
 * ```
 */
export interface RequireTokenOptions {
  /** Scopes the token must have, all of them. @default [] */
  scopes?: readonly string[]
}

/**
 * The `preHandler` `app.requireToken(T)` returns: on the route it guards, `request.token` is
 * `TokenOfType<T>` (a `PageToken` for `'page'`) without a cast.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify'
 * import { type RequireTokenHook, tokens } from '@tokens/fastify'
 *
 * const app = Fastify()
 * await app.register(tokens, { appId: '1234', appSecret: 'app-secret-value' })
 * const pageOnly: RequireTokenHook<'page'> = app.requireToken('page')
 * app.get('/insights', { preHandler: pageOnly }, async (request) => ({ pageId: request.token.pageId }))
 * ```
 */
export type RequireTokenHook<T extends TokenType = TokenType> = preHandlerHookHandler<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  TokenRoute<T>
>

/**
 * `app.requireToken(type?, { scopes? })`: a `preHandler` that answers 401 `token_required` when the
 * request carried no token, 403 `insufficient_scope` for another type or a missing scope, 401
 * `invalid_token` (`client_token`, `limited_login`) for a client or Limited Login token where its
 * type is not named. The statuses are the core's. A typo in the type (`'pgae'`) throws a `TypeError` when the route is defined.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify'
 * import { tokens } from '@tokens/fastify'
 *
 * const app = Fastify()
 * await app.register(tokens, { appId: '1234', appSecret: 'app-secret-value' })
 * app.get('/user', { preHandler: app.requireToken('user') }, async (request) => ({ userId: request.token.userId }))
 * app.post('/posts', { preHandler: app.requireToken('page', { scopes: ['pages_manage_posts'] }) }, async (request) => ({
 *   pageId: request.token.pageId,
 * }))
 * app.get('/either', { preHandler: app.requireToken(['user', 'system_user']) }, async (request) => ({
 *   userId: request.token.userId,
 * }))
 * ```
 */
export interface RequireToken {
  <T extends TokenType = TokenType>(type?: T | readonly T[], options?: RequireTokenOptions): RequireTokenHook<T>
  (options: RequireTokenOptions): RequireTokenHook<TokenType>
}

/** Builds `app.requireToken` for the core of one registration. */
export function requireTokenOf(core: Tokens): RequireToken {
  function requireToken<T extends TokenType>(
    typeOrOptions?: T | readonly T[] | RequireTokenOptions,
    maybeOptions: RequireTokenOptions = {},
  ): RequireTokenHook<T> {
    const onlyOptions = typeof typeOrOptions === 'object' && !Array.isArray(typeOrOptions)
    const type = onlyOptions ? undefined : (typeOrOptions as T | readonly T[] | undefined)
    const own = onlyOptions ? (typeOrOptions as RequireTokenOptions) : maybeOptions
    const { requirement } = new RouteRequirement<T>(
      { type, scopes: own.scopes },
      { required: true, caller: 'requireToken()' },
    )
    return function requireTokenHook(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) {
      try {
        request.token = core.authorize(request.token, requirement, request)
      } catch (error) {
        handleFailure(error, request, reply, done)
        return
      }
      done()
    } as unknown as RequireTokenHook<T>
  }
  return requireToken as RequireToken
}
