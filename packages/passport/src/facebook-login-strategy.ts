import type { PageToken, Tokens, UserToken } from '@tokens/core'
import type { Request } from 'express'
import { type AuthenticateOptions, Strategy as FacebookStrategy, type Profile } from 'passport-facebook'
import {
  type FacebookLoginOptions,
  type FacebookLoginOptionsWithRequest,
  facebookOptions,
  loginCore,
} from './facebook-login-options.js'
import { clearInheritedFragment, isCallback } from './login-fragment.js'
import { asLoginOutage, deadlineAgent, tokenAnswerOutage } from './login-outage.js'

/**
 * What a verify function reports: an error, the user (or `false` to refuse the login), and info.
 *
 * @example
 * ```ts
 * const verify: FacebookLoginVerify = (userToken, _pageTokens, _profile, done: FacebookLoginDone) =>
 *   done(null, { id: userToken.userId })
 * ```
 */
export type FacebookLoginDone = (error: unknown, user?: Express.User | false | null, info?: object) => void

/**
 * `verify(userToken, pageTokens, profile, done)`: finds or creates the app's user.
 *
 * @example
 * ```ts
 * const users = new Map<string, { name: string; pages: string[] }>()
 * const verify: FacebookLoginVerify = (userToken, pageTokens, profile, done) => {
 *   users.set(userToken.userId, { name: profile.displayName, pages: pageTokens.map((page) => page.pageId) })
 *   done(null, { id: userToken.userId })
 * }
 * ```
 */
export type FacebookLoginVerify = (
  userToken: UserToken,
  pageTokens: PageToken[],
  profile: Profile,
  done: FacebookLoginDone,
) => void

/**
 * `verify(req, userToken, pageTokens, profile, done)`, with `passReqToCallback: true`.
 *
 * @example
 * ```ts
 * const verify: FacebookLoginVerifyWithRequest = (req, userToken, _pageTokens, _profile, done) =>
 *   done(null, { id: userToken.userId, signedInFrom: req.ip })
 * ```
 */
export type FacebookLoginVerifyWithRequest = (
  req: Request,
  userToken: UserToken,
  pageTokens: PageToken[],
  profile: Profile,
  done: FacebookLoginDone,
) => void

/**
 * Options of `passport.authenticate('facebook', …)`, with the `auth_type`s Facebook knows
 * (Passport's own `AuthenticateOptions` has no `authType`).
 *
 * @example
 * ```ts
 * import passport from 'passport'
 * const rerequest: FacebookLoginAuthenticateOptions = { authType: 'rerequest', scope: ['email'] }
 * app.get('/auth/facebook/rerequest', passport.authenticate('facebook', rerequest))
 * ```
 */
export interface FacebookLoginAuthenticateOptions extends Omit<AuthenticateOptions, 'authType'> {
  /** `'rerequest'` asks again for permissions the user declined. */
  authType?: 'rerequest' | 'reauthenticate' | 'reauthorize'
}

/**
 * Graph refusing the callback's `code` (#100: used 36009, expired 36007, another `redirect_uri` 36008,
 * or not a code of this app at all): what the request brought was bad, so the login fails (401,
 * `failureRedirect`) instead of erring – anyone can call the callback with `?code=x`.
 */
function isRefusedCode(error: unknown): error is Error {
  if (!(error instanceof Error) || error.name !== 'FacebookTokenError') return false
  return (error as Error & { code?: unknown }).code === 100
}

/**
 * What the dialog reports when it sends the user back without a code: OAuth's `error` (`access_denied`,
 * `server_error`, `temporarily_unavailable`, anything else) or Facebook's own `error_code`. Anyone can
 * call the callback with these, so it is a failed login (401, `failureRedirect`), never a server error.
 */
function dialogError(req: Request): { message: string } | undefined {
  const query = req.query as Record<string, unknown> | undefined
  const error = query?.error ?? query?.error_code
  if (error === undefined || error === '') return undefined
  const described = query?.error_description ?? query?.error_message
  return { message: typeof described === 'string' && described !== '' ? described : 'The login did not complete' }
}

/** Verifies the login's token, exchanges it and fetches the Pages; outages are mapped by `authenticate`. */
async function acquire(tokens: Tokens, raw: string, options: FacebookLoginOptions | FacebookLoginOptionsWithRequest) {
  const shortLived = await tokens.verify(raw, { type: 'user' })
  const userToken = options.longLived === false ? shortLived : await tokens.exchangeForLongLived(shortLived)
  const wantPages = options.fetchPages !== false && userToken.hasScope('pages_show_list')
  // A login is the moment to refresh: the user may have gained or lost Pages since the last one.
  const pageTokens = wantPages ? await tokens.pageTokens(userToken, { refresh: true }) : []
  return { userToken, pageTokens }
}

/**
 * Facebook Login for Passport (name `facebook`), built on passport-facebook. On callback the core
 * verifies the login's token, exchanges it for a long-lived one, fetches every Page token of the
 * user and saves them in the store, then calls `verify(userToken, pageTokens, profile, done)`.
 * A dialog that comes back with any `error` (denied, `server_error`, `temporarily_unavailable`…) and a
 * reused or expired code end at `failureRedirect`, not in an exception; a
 * Graph outage during the callback ends in the core's `graph_unavailable` (503 with `Retry-After`).
 * Passport's `successRedirect` and `failureRedirect` on the callback end with `#`, which replaces
 * the `#_=_` Facebook appends (`clearFragment`).
 *
 * @example
 * ```ts
 * import passport from 'passport'
 * import { MemoryStore } from '@tokens/core'
 * import { FacebookLoginStrategy } from '@tokens/passport'
 *
 * passport.use(new FacebookLoginStrategy(
 *   { clientID: '123', clientSecret: 'app-secret-value', callbackURL: 'https://example.com/auth/facebook/callback',
 *     scope: ['pages_show_list'], store: new MemoryStore() },
 *   (userToken, pageTokens, profile, done) => done(null, { id: userToken.userId, name: profile.displayName }),
 * ))
 * app.get('/auth/facebook', passport.authenticate('facebook'))
 * app.get('/auth/facebook/callback', passport.authenticate('facebook', { failureRedirect: '/login', successRedirect: '/' }))
 * ```
 */
export class FacebookLoginStrategy extends FacebookStrategy {
  /** The core that verifies and acquires tokens; share it with `GraphTokenStrategy`. */
  readonly tokens: Tokens
  private readonly authType: FacebookLoginOptions['authType']
  private readonly clearFragment: boolean
  private readonly secrets: readonly string[]

  constructor(options: FacebookLoginOptionsWithRequest, verify: FacebookLoginVerifyWithRequest)
  constructor(options: FacebookLoginOptions, verify: FacebookLoginVerify)
  constructor(
    options: FacebookLoginOptions | FacebookLoginOptionsWithRequest,
    verify: FacebookLoginVerify | FacebookLoginVerifyWithRequest,
  ) {
    if (typeof verify !== 'function') throw new TypeError('FacebookLoginStrategy: verify must be a function')
    const passReq = options?.passReqToCallback === true
    const strategyOptions = facebookOptions(options)
    const agent = deadlineAgent(options.graphUrl, options.timeoutMs)
    const tokens = loginCore(options)
    super(strategyOptions, (req: Request, accessToken: string, _refresh: string, profile: Profile, done) => {
      acquire(tokens, accessToken, options).then(({ userToken, pageTokens }) => {
        try {
          if (passReq) (verify as FacebookLoginVerifyWithRequest)(req, userToken, pageTokens, profile, done)
          else (verify as FacebookLoginVerify)(userToken, pageTokens, profile, done)
        } catch (error) {
          done(error)
        }
      }, done)
    })
    this._oauth2.setAgent(agent)
    this.tokens = tokens
    this.authType = options.authType
    this.clearFragment = options.clearFragment ?? true
    this.secrets = [options.clientSecret]
  }

  /** Starts the dialog, or handles its callback. Called by `passport.authenticate('facebook')`. */
  override authenticate(req: Request, options?: FacebookLoginAuthenticateOptions): void {
    const strategy = this as unknown as { error(error: unknown): void; fail(info: object, status?: number): void }
    const error = strategy.error
    const realm = this.tokens.realm
    // A code used twice (a refreshed callback page, a replay) is a failed login, not a server error;
    // a Graph outage anywhere in the login is 503 `graph_unavailable`, not passport-facebook's 500.
    strategy.error = (cause: unknown) =>
      isRefusedCode(cause)
        ? strategy.fail({ message: cause.message }, 401)
        : error.call(strategy, asLoginOutage(cause, realm))
    const denied = dialogError(req)
    if (this.clearFragment && (denied || isCallback(req))) clearInheritedFragment(req, options)
    if (denied) strategy.fail(denied, 401)
    else super.authenticate(req, options)
  }

  /** Reads Graph's error answer to the code exchange: an outage becomes `graph_unavailable` (503). */
  override parseErrorResponse(body: string, status: number): Error | null {
    return tokenAnswerOutage(body, status, this.tokens.realm, this.secrets) ?? super.parseErrorResponse(body, status)
  }

  /** Adds the strategy's `authType` to the dialog unless `passport.authenticate()` names one. */
  override authorizationParams(options: FacebookLoginAuthenticateOptions): object {
    const authType = options.authType ?? this.authType
    return super.authorizationParams({ ...options, ...(authType !== undefined && { authType }) } as never)
  }
}
