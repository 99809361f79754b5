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

/** Runs a typed handler; its error, thrown or (async, on Express 4 too) rejected, goes to `next`. */
function run<T extends TokenType>(handler: TokenHandler<T>, req: Request, res: Response, next: NextFunction): void {
  try {
    const result = handler(req as TokenRequest<T>, res, next)
    if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
      Promise.resolve(result).catch(next)
    }
  } catch (thrown) {
    next(thrown)
  }
}

/** A `next` that runs `handler` when called without an error, and passes an error on to `next`. */
function continueTo<T extends TokenType>(
  handler: TokenHandler<T>,
  req: Request,
  res: Response,
  next: NextFunction,
): NextFunction {
  return (error?: unknown) => {
    if (error !== undefined) {
      next(error)
      return
    }
    run(handler, req, res, next)
  }
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

  /** Without `tokens()` before it: verifies the request's token itself, with `fixed`. */
  const verifyAlone = (req: Request, res: Response, next: NextFunction): void => {
    if (fixed === undefined) {
      next(new TypeError('requireToken(): use tokens() before it, or pass the `tokens` option'))
      return
    }
    verifyRequest(fixed, req, res, next, route, optionsFor(req, own))
  }

  /**
   * After `tokens()`: checks `req.token` and returns `true`, or renders the refusal and returns
   * `false`; `onError`'s `next` then continues to `handler` when there is one, as `check`'s `next`
   * would. `req.token` is stored again only when the check found another token (a client token kept
   * aside for a requirement that names `client`).
   */
  const authorized = (req: Request, res: Response, next: NextFunction, handler?: TokenHandler<T>): boolean => {
    const current = req.token
    let token: TokenOfType<T>
    try {
      token = (req.tokens as Tokens).authorize(current, requirement, req)
    } catch (error) {
      const after = handler === undefined ? next : continueTo(handler, req, res, next)
      handleFailure(error, req, res, after, optionsFor(req, own), req.tokens)
      return false
    }
    if (token !== current) req.token = token
    return true
  }

  const check = (req: Request, res: Response, next: NextFunction): void => {
    if (req.tokens === undefined) verifyAlone(req, res, next)
    else if (authorized(req, res, next)) next()
  }

  // Once the check passed after `tokens()`, the handler runs with no closure made for the request.
  const handle =
    (handler: TokenHandler<T>): RequestHandler =>
    (req, res, next) => {
      if (req.tokens === undefined) verifyAlone(req, res, continueTo(handler, req, res, next))
      else if (authorized(req, res, next, handler)) run(handler, req, res, next)
    }

  return Object.assign(check, { handle }) as RequireTokenHandler<T>
}
