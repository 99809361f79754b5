import { createTokens, DEFAULTS, type TokenStore, type Tokens } from '@tokens/core'
import { isTokens } from '@tokens/core/adapter'
import type { StrategyOptionsWithRequest } from 'passport-facebook'

/**
 * Where Facebook's login dialog lives: the default `dialogUrl`.
 *
 * @example
 * ```ts
 * import { DEFAULT_DIALOG_URL } from '@tokens/passport'
 * DEFAULT_DIALOG_URL // 'https://www.facebook.com'
 * ```
 */
export const DEFAULT_DIALOG_URL = 'https://www.facebook.com'

/**
 * Options of {@link FacebookLoginStrategy}: passport-facebook's, plus where Graph and the dialog
 * live, what to acquire on login, and the core to acquire it with.
 *
 * @example
 * ```ts
 * const options: FacebookLoginOptions = {
 *   clientID: process.env.FB_APP_ID!,
 *   clientSecret: process.env.FB_APP_SECRET!,
 *   callbackURL: 'https://example.com/auth/facebook/callback',
 *   scope: ['pages_show_list', 'pages_manage_posts'],
 * }
 * ```
 */
export interface FacebookLoginOptions {
  /** The Meta app id. */
  clientID: string
  /** The app secret: exchanges codes and signs `appsecret_proof`. */
  clientSecret: string
  /** Where the dialog sends the user back; must be a Valid OAuth Redirect URI of the app. */
  callbackURL: string
  /** Permissions to ask for. @default only `public_profile` */
  scope?: string | string[]
  /** Profile fields, as in passport-facebook (`['id', 'displayName', 'emails']`). @default Graph's default */
  profileFields?: string[]
  /**
   * Kept for passport-facebook's options: the core attaches `appsecret_proof` to every Graph call of
   * the login (the profile included) whatever this says. @default true
   */
  enableProof?: boolean
  /** Graph API base URL (point it at `@tokens/emulator` in tests). @default 'https://graph.facebook.com' */
  graphUrl?: string
  /** Base URL of the login dialog. @default 'https://www.facebook.com' */
  dialogUrl?: string
  /** Graph API version of the dialog, token and profile URLs, or `''` for unversioned. @default 'v25.0' */
  graphVersion?: string
  /** Exchange the login's short-lived token for a long-lived one (stored). @default true */
  longLived?: boolean
  /** Fetch (and store) the Page tokens of every Page the user manages, when `pages_show_list` was granted. @default true */
  fetchPages?: boolean
  /** Where acquired tokens are saved (`MemoryStore`, `@tokens/sqlite`, `@tokens/redis`). Not with `tokens`. @default none */
  store?: TokenStore
  /**
   * A shared core for the same app, e.g. the one of `GraphTokenStrategy`. Its store is used; give it
   * the same `graphUrl`/`graphVersion` (here they still build passport-facebook's URLs).
   * @default one built from these options
   */
  tokens?: Tokens
  /** Check the OAuth `state` parameter against the session (CSRF protection; needs sessions). @default true */
  state?: boolean
  /** `auth_type` of every dialog: `'rerequest'` asks again for declined permissions. @default none */
  authType?: 'rerequest' | 'reauthenticate' | 'reauthorize'
  /**
   * Facebook appends `#_=_` to the callback URL, and browsers carry that fragment over a redirect whose
   * `Location` has none. With `true`, the redirects that end the login on the callback (Passport's
   * `successRedirect`, `failureRedirect` and `successReturnToOrRedirect`) get an empty fragment
   * (`/dashboard#`), so the user does not land on `/dashboard#_=_`. Other redirects are left alone.
   * @default true
   */
  clearFragment?: boolean
  /**
   * The core's `timeoutMs` for the core built from these options: the deadline of each Graph call of
   * the login (the code exchange, the profile, the long-lived exchange, the Pages), retries included;
   * past it the login ends in `graph_unavailable` (503). A core given as `tokens` keeps its own.
   * @default 5000 (the core's `timeoutMs`)
   */
  timeoutMs?: number
  /** `true` calls `verify(req, userToken, pageTokens, profile, done)`: see {@link FacebookLoginOptionsWithRequest}. @default false */
  passReqToCallback?: false
}

/**
 * {@link FacebookLoginOptions} with `passReqToCallback: true`: `verify(req, userToken, pageTokens, profile, done)`.
 *
 * @example
 * ```ts
 * const options: FacebookLoginOptionsWithRequest = {
 *   clientID: appId,
 *   clientSecret: appSecret,
 *   callbackURL: 'https://example.com/auth/facebook/callback',
 *   passReqToCallback: true,
 * }
 * ```
 */
export interface FacebookLoginOptionsWithRequest extends Omit<FacebookLoginOptions, 'passReqToCallback'> {
  passReqToCallback: true
}

/** Either form of the options. */
type AnyLoginOptions = FacebookLoginOptions | FacebookLoginOptionsWithRequest

/** The core a login strategy acquires tokens with: the given one, or one built from the options. */
export function loginCore(options: AnyLoginOptions): Tokens {
  if (options.tokens === undefined) {
    return createTokens({
      appId: options.clientID,
      appSecret: options.clientSecret,
      ...(options.graphUrl !== undefined && { graphUrl: options.graphUrl }),
      ...(options.graphVersion !== undefined && { graphVersion: options.graphVersion }),
      ...(options.store !== undefined && { store: options.store }),
      ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
    })
  }
  if (!isTokens(options.tokens))
    throw new TypeError("FacebookLoginStrategy: option 'tokens' must come from createTokens()")
  if (options.tokens.appId !== options.clientID) {
    throw new TypeError("FacebookLoginStrategy: option 'tokens' is for another app than 'clientID'")
  }
  if (options.store !== undefined) {
    throw new TypeError("FacebookLoginStrategy: pass 'store' to createTokens() when you pass 'tokens'")
  }
  return options.tokens
}

/** passport-facebook's options: URLs built from `graphUrl`, `dialogUrl` and `graphVersion`. */
export function facebookOptions(options: AnyLoginOptions): StrategyOptionsWithRequest {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('FacebookLoginStrategy: options are required')
  for (const name of ['clientID', 'clientSecret', 'callbackURL'] as const) {
    if (typeof options[name] !== 'string' || options[name] === '') {
      throw new TypeError(`FacebookLoginStrategy: option '${name}' is required`)
    }
  }
  const version = options.graphVersion ?? DEFAULTS.graphVersion
  const prefix = version === '' ? '' : `/${version}`
  const graph = (options.graphUrl ?? DEFAULTS.graphUrl).replace(/\/+$/, '')
  const dialog = (options.dialogUrl ?? DEFAULT_DIALOG_URL).replace(/\/+$/, '')
  return {
    clientID: options.clientID,
    clientSecret: options.clientSecret,
    callbackURL: options.callbackURL,
    ...(options.scope !== undefined && { scope: options.scope }),
    ...(options.profileFields !== undefined && { profileFields: options.profileFields }),
    enableProof: options.enableProof ?? true,
    authorizationURL: `${dialog}${prefix}/dialog/oauth`,
    tokenURL: `${graph}${prefix}/oauth/access_token`,
    profileURL: `${graph}${prefix}/me`,
    state: options.state ?? true,
    passReqToCallback: true,
  }
}
