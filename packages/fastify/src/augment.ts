import type { AccessToken, Tokens } from '@tokens/core'
import type {} from 'fastify'
import type { RequireToken } from './require-token.js'

/**
 * The properties `@tokens/fastify` adds to Fastify's types, merged into `fastify`'s declarations.
 * This is the package's only augmentation; importing `@tokens/fastify` anywhere in a program applies it.
 *
 * `request.token` is `AccessToken | undefined` on every route, and the token class of `T` on a route
 * whose `preHandler` is `app.requireToken(T)` (the route's generic gets a `Token` member from it).
 *
 * @example
 * ```ts
 * import type { FastifyRequest } from 'fastify'
 * import '@tokens/fastify'
 *
 * function who(request: FastifyRequest): string | undefined {
 *   return request.token?.type === 'page' ? request.token.pageId : undefined
 * }
 * ```
 */
declare module 'fastify' {
  interface FastifyRequest<RouteGeneric> {
    /**
     * The verified access token, set by the `tokens` plugin's `onRequest` hook and narrowed by
     * `app.requireToken()`; `undefined` when the request carried none.
     */
    token: RouteGeneric extends { Token: infer T } ? T : AccessToken | undefined
    /** The core instance (app token, Page tokens, Graph client) of the `tokens` plugin. */
    tokens: Tokens
  }

  interface FastifyInstance {
    /** The core instance of the `tokens` plugin registered on this instance or a parent. */
    tokens: Tokens
    /** A `preHandler` requiring a token of the given type(s) and scopes; see {@link RequireToken}. */
    requireToken: RequireToken
  }
}
