import { type CanActivate, type ExecutionContext, Inject, Injectable, Optional } from '@nestjs/common'
import { Reflector } from '@nestjs/core'
import type { TokenRequirement } from '@tokens/core'
import { RouteRequirement } from '@tokens/core/adapter'
import { transportOf } from './https.js'
import { PUBLIC_METADATA } from './public.js'
import { REQUIRE_TOKEN_METADATA } from './require-token.js'
import { attachToken, type TokenRequest } from './token-request.js'
import { httpsPolicy, type ModuleHttpsPolicy, TOKENS_HTTPS_POLICY } from './tokens-module-options.js'
import { TokensService } from './tokens-service.js'

/**
 * Verifies the request's token (when it has one) with the core and attaches it to the request;
 * enforces `@RequireToken` (handler over controller); skips `@Public()` routes. Routes without
 * `@RequireToken` accept requests without a token but still refuse a bad one. Rejections are
 * `TokenError`s, answered by the module's exception filter with the core's status, headers and body.
 * With `NODE_ENV=production`, a token that arrives over plain HTTP is refused (`invalid_request`)
 * unless the module has `allowInsecure: true`.
 *
 * Use it per controller (`@UseGuards(TokenGuard)`) or for the whole app (`{ provide: APP_GUARD,
 * useClass: TokenGuard }`). Override `getRequest` for contexts that are not HTTP.
 *
 * @example
 * ```ts
 * import { type ExecutionContext, Injectable } from '@nestjs/common'
 *
 * @Injectable()
 * class GqlTokenGuard extends TokenGuard {
 *   override getRequest(context: ExecutionContext): TokenRequest {
 *     // A GraphQL resolver gets (root, args, context, info); the GraphQL context holds the HTTP `req`.
 *     return context.getArgByIndex<{ req: TokenRequest }>(2).req
 *   }
 * }
 * ```
 */
@Injectable()
export class TokenGuard implements CanActivate {
  constructor(
    @Inject(TokensService) protected readonly tokens: TokensService,
    @Inject(Reflector) protected readonly reflector: Reflector,
    @Optional() @Inject(TOKENS_HTTPS_POLICY) https?: ModuleHttpsPolicy,
  ) {
    // Without TokensModule (a TokensService provided by hand): the module's default.
    this.#https = https ?? httpsPolicy(false)
  }

  readonly #https: ModuleHttpsPolicy

  /** What each route asks for, by controller and handler (an inherited handler can sit in two controllers). */
  readonly #routes = new WeakMap<object, WeakMap<object, RouteRequirement | 'public'>>()

  /** The route's requirement (handler over controller) or `'public'`, read from its metadata once. */
  #route(context: ExecutionContext): RouteRequirement | 'public' {
    const handler = context.getHandler()
    const controller = context.getClass()
    let routes = this.#routes.get(controller)
    if (routes === undefined) {
      routes = new WeakMap()
      this.#routes.set(controller, routes)
    }
    let route = routes.get(handler)
    if (route === undefined) {
      const targets = [handler, controller]
      const requirement = this.reflector.getAllAndOverride<TokenRequirement | undefined>(
        REQUIRE_TOKEN_METADATA,
        targets,
      )
      route =
        this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_METADATA, targets) === true
          ? 'public'
          : new RouteRequirement(requirement ?? {}, { required: requirement !== undefined, caller: '@RequireToken' })
      routes.set(handler, route)
    }
    return route
  }

  /**
   * `true` at once when the core answers at once (no token, a token in the in-process cache); a
   * promise when Graph or an asynchronous cache must be asked. A refusal is always a rejected promise.
   */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    try {
      const route = this.#route(context)
      if (route === 'public') return true
      const request = this.getRequest(context)
      if (typeof request?.headers !== 'object' || request.headers === null) {
        throw new TypeError(
          `TokenGuard: getRequest() found no request with headers in a '${context.getType()}' context; override getRequest`,
        )
      }
      const { policy, production } = this.#https
      const secure = policy.isSecure(production, () => transportOf(request))
      const result = this.tokens.tryAuthenticate(request, route.options(secure))
      if (result instanceof Promise) return result.then((token) => attachToken(request, token))
      return attachToken(request, result)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /** The request the token is read from and attached to. Override for GraphQL-style contexts. */
  getRequest(context: ExecutionContext): TokenRequest {
    return context.switchToHttp().getRequest<TokenRequest>()
  }
}
