/**
 * Options of {@link startEmulator}. Every option has a default, so `startEmulator()` works alone.
 *
 * @example
 * ```ts
 * const options: EmulatorOptions = { port: 0, now: 1_700_000_000, callBudgetPerHour: 50 }
 * ```
 */
export interface EmulatorOptions {
  /** TCP port; `0` picks a free one. @default 0 */
  port?: number
  /**
   * Interface to bind: an address or a name. It is resolved, and unless `allowNonLoopback` is set every
   * address it resolves to must be loopback (127.0.0.0/8, `::1`), else `startEmulator` rejects with a
   * `TypeError`; the emulator binds the address it checked. @default '127.0.0.1'
   */
  host?: string
  /** Allow binding a non-loopback `host` (the emulator has no real security). @default false */
  allowNonLoopback?: boolean
  /** The emulator clock at start, in unix seconds. @default the current time */
  now?: number
  /** Freeze the clock: it then moves only with `advanceTime()`. @default false (it follows real time) */
  freezeClock?: boolean
  /**
   * The version unversioned calls are served as (the app dashboard's default in real Graph): one of
   * `GRAPH_VERSIONS`, else `startEmulator` rejects with a `TypeError`. @default 'v25.0'
   */
  graphVersion?: string
  /** Calls per app per hour before code 4 throttling; `X-App-Usage` percentages are computed from it. @default 200 */
  callBudgetPerHour?: number
  /** Seed of the pseudo-random generator used by `setFaults({ rate })`. @default 1 */
  seed?: number
  /** Largest accepted request body, in bytes. @default 1048576 */
  maxBodyBytes?: number
}

/**
 * Options of `emu.createApp()`.
 *
 * @example
 * ```ts
 * const app: AppOptions = { name: 'My App', redirectUris: ['http://localhost:3000/callback'] }
 * ```
 */
export interface AppOptions {
  /** Numeric app id. @default a fresh 16-digit id */
  id?: string
  /** App secret (32 hex characters in real apps). @default a fresh random secret */
  secret?: string
  /** Display name (shown as `application` in debug_token and on the consent page). @default 'Test App <n>' */
  name?: string
  /** Client token (the `{app_id}|{client_token}` form). @default a fresh random value */
  clientToken?: string
  /** Valid OAuth redirect URIs for the login dialog; matched exactly. @default [] */
  redirectUris?: string[]
  /** "Require App Secret": user/page/system-user token calls must carry `appsecret_proof`. @default true */
  requireProof?: boolean
  /** Where `signed_request` is POSTed when a user removes the app. @default none */
  deauthorizeCallbackUrl?: string
  /** Data deletion callback URL (recorded; reported by the admin state). @default none */
  dataDeletionCallbackUrl?: string
}

/**
 * An app created in the emulator.
 *
 * @example
 * ```ts
 * const app: AppInfo = emu.createApp({ name: 'Demo' })
 * console.log(app.id, app.secret)
 * ```
 */
export interface AppInfo {
  id: string
  secret: string
  name: string
  clientToken: string
}

/**
 * The profile fields of a user, as `/me?fields=…` answers them. Each is optional: a field without a
 * value is left out of the answer, as Graph does. Fields behind a permission are answered only to a token
 * that has it (or, for an app token, when the user granted it to the app): `email` (`email`), `link`
 * (`user_link`), `birthday` (`user_birthday`), `gender` (`user_gender`), `age_range` (`user_age_range`),
 * `location` (`user_location`), `hometown` (`user_hometown`); the others come with `public_profile`.
 *
 * @example
 * ```ts
 * const profile: UserProfile = { firstName: 'Ada', lastName: 'Lovelace', pictureUrl: 'https://example.com/ada.jpg' }
 * ```
 */
export interface UserProfile {
  /** @default 'Test User <n>' */
  name?: string
  /** `first_name`. @default the first word of `name` */
  firstName?: string
  /** `last_name`. @default the rest of `name` */
  lastName?: string
  /** `middle_name`. @default none */
  middleName?: string
  /** `short_name`. @default `firstName` */
  shortName?: string
  /** `name_format`. @default '{first} {last}' */
  nameFormat?: string
  /** `email` (with the `email` permission). @default none */
  email?: string
  /** The image `picture` and `/{id}/picture` point at (an absolute URL). @default a silhouette the emulator serves */
  pictureUrl?: string
  /** `link` (with `user_link`; an absolute URL). @default `https://www.facebook.com/app_scoped_user_id/<id>/` */
  link?: string
  /** `birthday` (with `user_birthday`), `MM/DD/YYYY`, `MM/DD` or `YYYY`. @default none */
  birthday?: string
  /** `gender` (with `user_gender`). @default none */
  gender?: string
  /** `locale`. @default 'en_US' */
  locale?: string
  /** `age_range` (with `user_age_range`). @default none */
  ageRange?: { min?: number; max?: number }
  /** `location` (with `user_location`): a Page-like `{ id?, name }`. @default none */
  location?: { id?: string; name: string }
  /** `hometown` (with `user_hometown`): a Page-like `{ id?, name }`. @default none */
  hometown?: { id?: string; name: string }
}

/**
 * Options of `emu.createUser()`: the profile, an id, and the apps the user develops.
 *
 * @example
 * ```ts
 * const app = emu.createApp()
 * const user: UserOptions = { name: 'Ada Lovelace', email: 'ada@example.com', developerOf: [app.id] }
 * ```
 */
export interface UserOptions extends UserProfile {
  /** Numeric user id (app-scoped in real Graph). @default a fresh id */
  id?: string
  /** Apps on which the user has a developer role: their user tokens may call `/debug_token`. @default [] */
  developerOf?: string[]
}

/**
 * A user or a Page created in the emulator.
 *
 * @example
 * ```ts
 * const user: NodeInfo = emu.createUser({ name: 'Ada' })
 * ```
 */
export interface NodeInfo {
  id: string
  name: string
}

/**
 * The fields of a Page besides its name, category and admins, as `/{page-id}?fields=…` answers them.
 *
 * @example
 * ```ts
 * const fields: PageFields = { about: 'Fresh bread daily', fanCount: 1200, username: 'adabakery' }
 * ```
 */
export interface PageFields {
  /** `about`. @default none */
  about?: string
  /** `fan_count`. @default 0 */
  fanCount?: number
  /** `username` (letters, digits and dots). @default none */
  username?: string
  /** `link` (an absolute URL). @default `https://www.facebook.com/<username or id>` */
  link?: string
  /** The image `picture` and `/{id}/picture` point at (an absolute URL). @default a silhouette the emulator serves */
  pictureUrl?: string
}

/**
 * Options of `emu.createPage()`.
 *
 * @example
 * ```ts
 * const user = emu.createUser({ name: 'Ada' })
 * const page: PageOptions = { name: 'Ada Bakery', category: 'Bakery', admins: [user.id], fanCount: 1200 }
 * ```
 */
export interface PageOptions extends PageFields {
  /** Numeric Page id. @default a fresh id */
  id?: string
  name: string
  /** @default 'Local business' */
  category?: string
  /** Ids of the users with a role on the Page. */
  admins: string[]
}

/**
 * What `emu.updatePage()` may change: the name, the category and the {@link PageFields}.
 *
 * @example
 * ```ts
 * const update: PageUpdate = { name: 'Ada Bakery & Cafe', fanCount: 1300 }
 * ```
 */
export interface PageUpdate extends PageFields {
  name?: string
  category?: string
}

/**
 * `'short'`: about 2 hours. `'long'`: about 60 days for user tokens, never for page tokens.
 *
 * @example
 * ```ts
 * const lifetime: TokenLifetime = 'long'
 * ```
 */
export type TokenLifetime = 'short' | 'long'

/**
 * Options of `emu.issueUserToken()`.
 *
 * @example
 * ```ts
 * const app = emu.createApp()
 * const user = emu.createUser({ name: 'Ada' })
 * const raw = emu.issueUserToken({ appId: app.id, userId: user.id, scopes: ['email'], lifetime: 'long' })
 * ```
 */
export interface UserTokenOptions {
  appId: string
  userId: string
  /** Granted scopes (`public_profile` is always added). @default ['public_profile'] */
  scopes?: string[]
  /** @default 'short' */
  lifetime?: TokenLifetime
}

/**
 * Options of `emu.issuePageToken()`.
 *
 * @example
 * ```ts
 * const app = emu.createApp()
 * const user = emu.createUser({ name: 'Ada' })
 * const page = emu.createPage({ name: 'Ada Bakery', admins: [user.id] })
 * const raw = emu.issuePageToken({ appId: app.id, userId: user.id, pageId: page.id, lifetime: 'long' })
 * ```
 */
export interface PageTokenOptions {
  appId: string
  /** The user (with a role on the Page) the token is derived from. */
  userId: string
  pageId: string
  /** `'long'` gives `expires_at: 0`. @default 'short' */
  lifetime?: TokenLifetime
}

/**
 * Options of `emu.issueSystemUserToken()`.
 *
 * @example
 * ```ts
 * const app = emu.createApp()
 * const user = emu.createUser({ name: 'Ada' })
 * const raw = emu.issueSystemUserToken({ appId: app.id, userId: user.id, expiresIn: 0 })
 * ```
 */
export interface SystemUserTokenOptions {
  appId: string
  userId: string
  /** @default ['public_profile'] */
  scopes?: string[]
  /** Seconds until expiry; `0` never expires. @default 0 */
  expiresIn?: number
}

/**
 * Why a token stops working, with the Graph subcode it produces:
 * `password_changed` 460, `logged_out` 466, `app_removed` 458, `page_role_lost` 492.
 *
 * @example
 * ```ts
 * emu.invalidateToken(raw, 'password_changed')
 * ```
 */
export type InvalidationReason = 'password_changed' | 'logged_out' | 'app_removed' | 'page_role_lost'

/**
 * Fault injection, applied to Graph requests (never to the admin API).
 *
 * @example
 * ```ts
 * emu.setFaults({ errorCode: 613, rate: 0.5, paths: ['/debug_token'] })
 * ```
 */
export interface FaultOptions {
  /** Delay before answering, in milliseconds. */
  latencyMs?: number
  /** Answer with this HTTP status (5xx) and a transient Graph error body. */
  status?: number
  /** Answer with this Graph error code (1, 2, 4, 17, 32, 341, 613, 80001…), its real body and status. */
  errorCode?: number
  /** Fraction (0..1) of matching requests affected, drawn from a seeded generator. @default 1 */
  rate?: number
  /** Never answer (the client has to time out). */
  hang?: boolean
  /** Only requests to these paths (without version prefix, e.g. `/debug_token`; a prefix matches sub-paths). @default all */
  paths?: string[]
}

/**
 * Preset `X-App-Usage` percentages, added to the usage the calls themselves produce.
 *
 * @example
 * ```ts
 * const app = emu.createApp()
 * emu.setUsage(app.id, { callCount: 95 })
 * ```
 */
export interface UsagePreset {
  callCount?: number
  totalTime?: number
  totalCputime?: number
}
