import {
  isTokenError,
  TokenError,
  type TokenOfType,
  type Tokens,
  type TokensOptions,
  type TokenType,
} from '@tokens/core'
import { HttpsPolicy, isTokens, RouteRequirement, toTokens } from '@tokens/core/adapter'
import type { Request } from 'express'
import passport from 'passport'
import { applyHeaders, rememberFailure } from './token-failure.js'

/**
 * What a verify function reports: an error, the user (or `false` to refuse the token: 401
 * `invalid_token`), and info.
 *
 * @example
 * ```ts
 * const verify: GraphTokenVerify<'user'> = (token, done: GraphTokenDone) => done(null, { id: token.userId })
 * ```
 */
export type GraphTokenDone = (error: unknown, user?: Express.User | false | null, info?: object) => void

/**
 * `verify(token, done)`: maps a verified token to the app's user. The token's class follows `T`.
 *
 * @example
 * ```ts
 * const verify: GraphTokenVerify<'page'> = (page, done) => done(null, { pageId: page.pageId })
 * ```
 */
export type GraphTokenVerify<T extends TokenType = TokenType> = (token: TokenOfType<T>, done: GraphTokenDone) => void

/**
 * `verify(req, token, done)`, with `passReqToCallback: true`.
 *
 * @example
 * ```ts
 * const verify: GraphTokenVerifyWithRequest<'user'> = (req, token, done) =>
 *   done(null, { id: token.userId, tenant: req.params.tenant })
 * ```
 */
export type GraphTokenVerifyWithRequest<T extends TokenType = TokenType> = (
  req: Request,
  token: TokenOfType<T>,
  done: GraphTokenDone,
) => void

/**
 * What every request must carry, and how the verify function is called.
 *
 * @example
 * ```ts
 * const requirement: GraphTokenRequirementOptions<'page'> = { type: 'page', scopes: ['pages_manage_posts'] }
 * ```
 */
export interface GraphTokenRequirementOptions<T extends TokenType = TokenType> {
  /**
   * Accepted token types: one or a list. A client token is accepted only when this names `client`,
   * an iOS Limited Login token only when it names `limited_login`.
   * @default every type but `client` and `limited_login`
   */
  type?: T | readonly T[]
  /** Scopes the token must have, all of them. @default [] */
  scopes?: readonly string[]
  /** `true` calls `verify(req, token, done)`: see {@link GraphTokenStrategyOptionsWithRequest}. @default false */
  passReqToCallback?: false
  /**
   * Accept tokens over plain HTTP when Express's `env` is `production` (it follows `NODE_ENV`). Behind
   * a TLS-terminating proxy, set Express's `trust proxy` instead. @default false
   */
  allowInsecure?: boolean
}

/**
 * Options of {@link GraphTokenStrategy}: the core's options (`appId`, `appSecret`, …) or a shared
 * core instance as `tokens`, plus the requirement.
 *
 * @example
 * ```ts
 * import { createTokens } from '@tokens/core'
 * const own: GraphTokenStrategyOptions = { appId: '123', appSecret: 'app-secret-value', type: 'user' }
 * const shared: GraphTokenStrategyOptions<'page'> = { tokens: createTokens({ appId, appSecret }), type: 'page' }
 * ```
 */
export type GraphTokenStrategyOptions<T extends TokenType = TokenType> = ({ tokens: Tokens } | TokensOptions) &
  GraphTokenRequirementOptions<T>

/**
 * {@link GraphTokenStrategyOptions} with `passReqToCallback: true`: `verify(req, token, done)`.
 *
 * @example
 * ```ts
 * const options: GraphTokenStrategyOptionsWithRequest<'user'> = { tokens, type: 'user', passReqToCallback: true }
 * ```
 */
export type GraphTokenStrategyOptionsWithRequest<T extends TokenType = TokenType> = (
  | { tokens: Tokens }
  | TokensOptions
) &
  Omit<GraphTokenRequirementOptions<T>, 'passReqToCallback'> & { passReqToCallback: true }

type AnyOptions = GraphTokenStrategyOptions | GraphTokenStrategyOptionsWithRequest

function coreOf(options: AnyOptions): Tokens {
  if ('tokens' in options && !isTokens(options.tokens)) {
    throw new TypeError("GraphTokenStrategy: option 'tokens' must come from createTokens()")
  }
  return toTokens('tokens' in options ? options.tokens : (options as TokensOptions), 'GraphTokenStrategy')
}

/** Express's `env` setting (it follows `NODE_ENV`), or `NODE_ENV` on a server without Express. */
function inProduction(req: Request): boolean {
  const app = (req as Partial<Request>).app
  return HttpsPolicy.production(typeof app?.get === 'function' ? app.get('env') : undefined)
}

/** Express's (or Node's) facts about how a request arrived, for the core's HTTPS policy. */
function transportOf(req: Request): { protocol?: string; encrypted?: boolean } {
  if (typeof req.protocol === 'string') return { protocol: req.protocol }
  return { encrypted: (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true }
}

/**
 * A Passport strategy (name `graph-token`) for bearer tokens sent by mobile and web clients, verified
 * by `@tokens/core`: cached, coalesced, and refused when issued to another app. Refusals call
 * `fail(challenge, status)` with the RFC 6750 challenge (400, 401, 403); a Graph outage calls
 * `error(tokenError)`, which Express answers 503 with `Retry-After` (see `tokensErrorHandler`).
 * Without `verify`, `req.user` is the typed token. In production (Express's `env`), a token sent over
 * plain HTTP is refused with 400 `invalid_request` unless `allowInsecure` (`trust proxy` is honoured).
 *
 * @example
 * ```ts
 * import passport from 'passport'
 * import type { PageToken } from '@tokens/core'
 * import { GraphTokenStrategy } from '@tokens/passport'
 *
 * passport.use(new GraphTokenStrategy({ appId: '123', appSecret: 'app-secret-value', type: 'page' }))
 * app.get('/posts', passport.authenticate('graph-token', { session: false }), (req, res) => {
 *   res.json({ page: (req.user as PageToken).pageId })
 * })
 * ```
 */
export class GraphTokenStrategy<T extends TokenType = TokenType> extends passport.Strategy {
  override name = 'graph-token'
  /** The core that verifies tokens; share it with other adapters. */
  readonly tokens: Tokens
  // Plain properties, not #private: Passport runs each request on Object.create(strategy).
  private readonly route: RouteRequirement<T>
  private readonly verify: GraphTokenVerify<T> | GraphTokenVerifyWithRequest<T> | undefined
  private readonly passReqToCallback: boolean
  private readonly https: HttpsPolicy

  constructor(options: GraphTokenStrategyOptionsWithRequest<T>, verify: GraphTokenVerifyWithRequest<T>)
  constructor(options: GraphTokenStrategyOptions<T>, verify?: GraphTokenVerify<T>)
  constructor(
    options: GraphTokenStrategyOptions<T> | GraphTokenStrategyOptionsWithRequest<T>,
    verify?: GraphTokenVerify<T> | GraphTokenVerifyWithRequest<T>,
  ) {
    super()
    if (typeof options !== 'object' || options === null) throw new TypeError('GraphTokenStrategy: options are required')
    if (verify !== undefined && typeof verify !== 'function') {
      throw new TypeError('GraphTokenStrategy: verify must be a function')
    }
    this.passReqToCallback = options.passReqToCallback === true
    this.https = new HttpsPolicy({ allowInsecure: options.allowInsecure })
    if (this.passReqToCallback && verify === undefined) {
      throw new TypeError('GraphTokenStrategy: passReqToCallback needs a verify function')
    }
    const requirement = { type: options.type, scopes: options.scopes }
    this.route = new RouteRequirement<T>(requirement, { required: true, caller: 'GraphTokenStrategy' })
    this.tokens = coreOf(options)
    this.verify = verify
  }

  /** Verifies the request's token through the core. Called by `passport.authenticate()`. */
  override authenticate(req: Request): void {
    const secure = this.https.isSecure(inProduction(req), () => transportOf(req))
    this.tokens.authenticate(req, this.route.options(secure)).then(
      (token) => this.verified(req, token as TokenOfType<T>),
      (error: unknown) => this.refuse(req, error),
    )
  }

  private verified(req: Request, token: TokenOfType<T>): void {
    if (this.verify === undefined) {
      this.success(token)
      return
    }
    const done: GraphTokenDone = (error, user, info) => {
      if (error) this.error(error)
      else if (user) this.success(user, info)
      else this.refuse(req, new TokenError('invalid_token', 'The access token was refused'))
    }
    try {
      if (this.passReqToCallback) (this.verify as GraphTokenVerifyWithRequest<T>)(req, token, done)
      else (this.verify as GraphTokenVerify<T>)(token, done)
    } catch (error) {
      this.error(error)
    }
  }

  private refuse(req: Request, error: unknown): void {
    if (!isTokenError(error)) {
      this.error(error)
      return
    }
    const { realm } = this.tokens
    rememberFailure(req, error, realm)
    // Passport writes the challenge of a 401 itself, and only then; setting it here for a 401 would
    // leave it on the answer of a later strategy in a chain (['graph-token', 'anonymous']).
    if (error.status !== 401) applyHeaders(req.res, error, realm)
    // An outage or a misconfigured server is not the client's fault: no fall-through to the next
    // strategy, no failureRedirect.
    if (error.status >= 500) this.error(error)
    else this.fail(error.toResponse(realm).headers['WWW-Authenticate'] ?? `Bearer realm="${realm}"`, error.status)
  }
}
