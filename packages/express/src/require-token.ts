import type { TokenOfType, Tokens, TokensOptions, TokenType } from '@tokens/core'
import { RouteRequirement, toTokens } from '@tokens/core/adapter'
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { type ExpressAdapterOptions, optionsFor } from './adapter-options.js'
import { middlewares, verifyRequest } from './authenticate-request.js'
import { handleFailure } from './send-token-error.js'

/**
 * An Express request whose token passed `requireToken(T)`: `req.token` is the token class of `T`
 * (`TokenRequest<'page'>` has a `PageToken`), and `req.tokens` is set.
 *
 * @example
 * ```ts
 * function pageIdOf(req: TokenRequest<'page'>): string {
 *   return req.token.pageId
 * }
 * ```
 */
export type TokenRequest<T extends TokenType = TokenType> = Request & { token: TokenOfType<T>; tokens: Tokens }

/**
 * A route handler that runs after a passed `requireToken(T)` check, typed accordingly.
 *
 * @example
 * ```ts
 * const showPage: TokenHandler<'page'> = (req, res) => { res.json({ pageId: req.token.pageId }) }
 * app.get('/page', requireToken('page').handle(showPage))
 * ```
 */
export type TokenHandler<T extends TokenType = TokenType> = (
  req: TokenRequest<T>,
  res: Response,
  next: NextFunction,
) => unknown

/**
 * Options of {@link requireToken}.
 *
 * @example
 * ```ts
 * const options: RequireTokenOptions = { scopes: ['pages_manage_posts'] }
 * ```
 */
export interface RequireTokenOptions extends ExpressAdapterOptions {
  /** Scopes the token must have, all of them. @default [] */
  scopes?: readonly string[]
  /**
   * The core to verify with when `tokens()` did not run before (the handler then verifies the
   * token itself). Not needed after `tokens()`.
   * @default the instance `tokens()` set on `req.tokens`
   */
  tokens?: Tokens | TokensOptions
}

/**
 * `requireToken()`'s middleware: use it as is, or wrap a handler with `handle()` to get a typed `req.token`.
 *
 * @example
 * ```ts
 * import { Router } from 'express'
 * const router = Router()
 * const pageOnly: RequireTokenHandler<'page'> = requireToken('page')
 * router.use(pageOnly)
 * router.get('/insights', pageOnly.handle((req, res) => { res.json({ pageId: req.token.pageId }) }))
 * ```
 */
export interface RequireTokenHandler<T extends TokenType> extends RequestHandler {
  /** A handler that runs this check, then `handler` with `req.token` typed as `TokenOfType<T>`. */
  handle(handler: TokenHandler<T>): RequestHandler
}

/**
 * `requireToken()` without the `tokens` option needs a `tokens()` middleware before it, which Express
 * cannot tell when the route is defined (routers are often defined first). Once the app has been
 * set up (the next turn of the event loop), a process warning says so if no `tokens()` exists;
 * every request it would check answers 500 with the same advice.
 */
function warnWithoutCore(): void {
  if (middlewares.created > 0 || middlewares.warned) return
  setImmediate(() => {
    if (middlewares.created > 0 || middlewares.warned) return
    middlewares.warned = true
    process.emitWarning(
      'requireToken() is used without the `tokens` option, and no tokens() middleware exists: add app.use(tokens(...)) before it, or pass requireToken(type, { tokens })',
      { code: 'TOKENS_REQUIRE_WITHOUT_CORE' },
    )
  })
}

/**
 * Requires a token of the given type(s) and scopes: 401 `token_required` when there is none, 403
 * `insufficient_scope` for another type or a missing scope (statuses are the core's). After
 * `tokens()` it checks `req.token`; alone (with the `tokens` option) it verifies the token itself.
 *
 * @example
 * ```ts
 * app.use(tokens({ appId, appSecret }))
 * app.get('/user', requireToken('user'), (req, res) => { res.json({ signedIn: true }) })
 * app.post('/posts', requireToken('page', { scopes: ['pages_manage_posts'] }).handle(async (req, res) => {
 *   res.json({ pageId: req.token.pageId })
 * }))
 * app.get('/either', requireToken(['user', 'system_user']).handle((req, res) => { res.json({ id: req.token.userId }) }))
 * ```
 */
export function requireToken<T extends TokenType = TokenType>(
  type?: T | readonly T[],
  options?: RequireTokenOptions,
): RequireTokenHandler<T>
export function requireToken(options: RequireTokenOptions): RequireTokenHandler<TokenType>
export function requireToken<T extends TokenType>(
  typeOrOptions?: T | readonly T[] | RequireTokenOptions,
  maybeOptions: RequireTokenOptions = {},
): RequireTokenHandler<T> {
  const onlyOptions = typeof typeOrOptions === 'object' && !Array.isArray(typeOrOptions)
  const type = onlyOptions ? undefined : (typeOrOptions as T | readonly T[] | undefined)
  const own = onlyOptions ? (typeOrOptions as RequireTokenOptions) : maybeOptions
  const route = new RouteRequirement<T>({ type, scopes: own.scopes }, { required: true, caller: 'requireToken()' })
  const { requirement } = route
  const fixed = own.tokens === undefined ? undefined : toTokens(own.tokens, 'requireToken()')
  if (fixed === undefined) warnWithoutCore()

  const check = (req: Request, res: Response, next: NextFunction): void => {
    const fail = (error: unknown) => handleFailure(error, req, res, next, optionsFor(req, own))
    if (req.tokens !== undefined) {
      try {
        req.token = req.tokens.authorize(req.token, requirement, req)
      } catch (error) {
        fail(error)
        return
      }
      next()
      return
    }
    if (fixed === undefined) {
      next(new TypeError('requireToken(): use tokens() before it, or pass the `tokens` option'))
      return
    }
    const { allowInsecure } = optionsFor(req, own)
    verifyRequest(fixed, req, route, allowInsecure, next, fail)
  }

  const handle = (handler: TokenHandler<T>): RequestHandler => {
    return (req, res, next) =>
      check(req, res, (error?: unknown) => {
        if (error !== undefined) {
          next(error)
          return
        }
        try {
          const result = handler(req as TokenRequest<T>, res, next)
          // An async handler's rejection goes to Express's error handling, on Express 4 too.
          if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
            Promise.resolve(result).catch(next)
          }
        } catch (thrown) {
          next(thrown)
        }
      })
  }

  return Object.assign(check, { handle }) as RequireTokenHandler<T>
}
