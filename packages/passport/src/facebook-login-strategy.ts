import { randomBytes } from 'node:crypto'
import { GraphApiError, type PageToken, type Tokens, type UserToken } from '@tokens/core'
import type { Request } from 'express'
import { type AuthenticateOptions, Strategy as FacebookStrategy, type Profile } from 'passport-facebook'
import {
  type FacebookLoginOptions,
  type FacebookLoginOptionsWithRequest,
  facebookOptions,
  loginCore,
} from './facebook-login-options.js'
import { clearInheritedFragment, isCallback } from './login-fragment.js'
import { profileOf } from './login-profile.js'

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
function isRefusedCode(error: unknown): error is GraphApiError {
  return error instanceof GraphApiError && error.code === 100
}

/** What stands for the access token of a login whose code exchange failed, until `userProfile` reports it. */
const FAILED = 'failed-login:'

/** passport-oauth2's client, as far as this strategy sets it up. */
interface OAuth2Client {
  getOAuthAccessToken(
    code: string,
    params: { redirect_uri?: string },
    callback: (error: unknown, accessToken?: string, refreshToken?: string, results?: object) => void,
  ): void
}

/** passport-facebook's protected members this strategy builds on (its documented override points). */
interface FacebookBase {
  _oauth2: OAuth2Client
  _profileFields: string[] | null
  _convertProfileFields(fields: string[]): string
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

/** Exchanges the login's token for a long-lived one and fetches the Pages, through the core. */
async function acquire(tokens: Tokens, raw: string, options: FacebookLoginOptions | FacebookLoginOptionsWithRequest) {
  const shortLived = await tokens.verify(raw, { type: 'user' }) // cached by the code exchange: no Graph call
  const userToken = options.longLived === false ? shortLived : await tokens.exchangeForLongLived(shortLived)
  const wantPages = options.fetchPages !== false && userToken.hasScope('pages_show_list')
  // A login is the moment to refresh: the user may have gained or lost Pages since the last one.
  const pageTokens = wantPages ? await tokens.pageTokens(userToken, { refresh: true }) : []
  return { userToken, pageTokens }
}

/**
 * Facebook Login for Passport (name `facebook`), built on passport-facebook (the dialog, `state`).
 * Every Graph call of the callback goes through the core (deadlines, `appsecret_proof`, outages,
 * redaction, events): the code exchange, the profile, the long-lived exchange and every Page token
 * of the user, saved in the store; then it calls `verify(userToken, pageTokens, profile, done)`.
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
  // Plain properties, not #private: Passport runs each request on Object.create(strategy).
  private readonly authType: FacebookLoginOptions['authType']
  private readonly clearFragment: boolean
  /** Why each failed code exchange failed, by the stand-in token `userProfile` gets instead. */
  private readonly failedExchanges = new Map<string, unknown>()

  constructor(options: FacebookLoginOptionsWithRequest, verify: FacebookLoginVerifyWithRequest)
  constructor(options: FacebookLoginOptions, verify: FacebookLoginVerify)
  constructor(
    options: FacebookLoginOptions | FacebookLoginOptionsWithRequest,
    verify: FacebookLoginVerify | FacebookLoginVerifyWithRequest,
  ) {
    if (typeof verify !== 'function') throw new TypeError('FacebookLoginStrategy: verify must be a function')
    const passReq = options?.passReqToCallback === true
    const strategyOptions = facebookOptions(options)
    const tokens = loginCore(options)
    super(strategyOptions, (req: Request, accessToken: string, _refresh: string, profile: Profile, done) => {
      if (profile.provider === REFUSED_CODE) {
        done(null, false, { message: profile.displayName })
        return
      }
      acquire(tokens, accessToken, options).then(({ userToken, pageTokens }) => {
        try {
          if (passReq) (verify as FacebookLoginVerifyWithRequest)(req, userToken, pageTokens, profile, done)
          else (verify as FacebookLoginVerify)(userToken, pageTokens, profile, done)
        } catch (error) {
          done(error)
        }
      }, done)
    })
    this.tokens = tokens
    this.authType = options.authType
    this.clearFragment = options.clearFragment ?? true
    // passport-oauth2 exchanges the code through its client once `state` checks out: the core does it
    // instead. A failure is carried to `userProfile`, which reports it as passport-oauth2 expects.
    const failed = this.failedExchanges
    ;(this as unknown as FacebookBase)._oauth2.getOAuthAccessToken = (code, params, callback) => {
      tokens.exchangeCode({ code, redirectUri: params.redirect_uri ?? strategyOptions.callbackURL }).then(
        (userToken) => callback(null, userToken.value, undefined, {}),
        (error: unknown) => {
          const standIn = `${FAILED}${randomBytes(12).toString('hex')}`
          failed.set(standIn, error)
          callback(null, standIn, undefined, {})
        },
      )
    }
  }

  /** Starts the dialog, or handles its callback. Called by `passport.authenticate('facebook')`. */
  override authenticate(req: Request, options?: FacebookLoginAuthenticateOptions): void {
    const denied = dialogError(req)
    if (this.clearFragment && (denied || isCallback(req))) clearInheritedFragment(req, options)
    if (denied) this.fail(denied, 401)
    else super.authenticate(req, options)
  }

  /**
   * The user's profile, through the core (`GET /me` with passport-facebook's `profileFields`), as
   * passport-facebook's normalized `Profile`. Reports the code exchange's failure first: a code Graph
   * refused becomes a failed login (401, `failureRedirect`), an outage or a misconfigured app the
   * core's `TokenError` (503 `graph_unavailable`, 500 `misconfigured`).
   */
  override userProfile(accessToken: string, done: (error: unknown, profile?: Profile) => void): void {
    if (accessToken.startsWith(FAILED)) {
      const error = this.failedExchanges.get(accessToken)
      this.failedExchanges.delete(accessToken)
      if (isRefusedCode(error)) done(null, refusedCode(error))
      else done(error ?? new Error('The login code could not be exchanged'))
      return
    }
    const base = this as unknown as FacebookBase
    const fields = base._profileFields === null ? undefined : base._convertProfileFields(base._profileFields).split(',')
    this.tokens
      .verify(accessToken, { type: 'user' })
      .then((userToken) => this.tokens.profile(userToken, fields === undefined ? {} : { fields }))
      .then((json) => done(null, profileOf(json)), done)
  }

  /** Adds the strategy's `authType` to the dialog unless `passport.authenticate()` names one. */
  override authorizationParams(options: FacebookLoginAuthenticateOptions): object {
    const authType = options.authType ?? this.authType
    return super.authorizationParams({ ...options, ...(authType !== undefined && { authType }) } as never)
  }
}

/** The `provider` of the stand-in profile of a login whose code Graph refused. */
const REFUSED_CODE = 'facebook:refused-code'

/** A stand-in profile that makes the verify step fail the login with Graph's reason. */
function refusedCode(error: GraphApiError): Profile {
  return { provider: REFUSED_CODE, id: '', displayName: error.message } as Profile
}
