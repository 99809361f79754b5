import { inspect } from 'node:util'

/**
 * The kinds of token Graph issues, the client token composed from app config, and the iOS Limited
 * Login ID token (an OpenID Connect JWT, which cannot call Graph).
 *
 * @example
 * ```ts
 * import type { TokenType } from '@tokens/core'
 * const type: TokenType = req.path.startsWith('/pages/') ? 'page' : 'user'
 * const token = await tokens.verify(raw, { type })
 * ```
 */
export type TokenType = 'user' | 'page' | 'app' | 'system_user' | 'client' | 'limited_login'

/**
 * How long a token lives: `never` when Graph says `expires_at: 0`.
 *
 * @example
 * ```ts
 * import type { TokenLifetime } from '@tokens/core'
 * const user = await tokens.verify(raw, { type: 'user' })
 * const lifetime: TokenLifetime = user.lifetime
 * const kept = lifetime === 'short' ? await tokens.exchangeForLongLived(user) : user // about 60 days
 * ```
 */
export type TokenLifetime = 'short' | 'long' | 'never'

/**
 * A permission as Graph grants it; `targetIds` absent when the grant covers every object.
 *
 * @example
 * ```ts
 * import type { GranularScope } from '@tokens/core'
 * const user = await tokens.verify(raw, { type: 'user' })
 * const grant: GranularScope | undefined = user.granularScopes.find((g) => g.scope === 'pages_show_list')
 * console.log(grant?.targetIds ?? 'every Page') // the Pages the user picked in the login dialog
 * user.hasScope('pages_show_list', '1234567890') // whether the grant covers this Page
 * ```
 */
export interface GranularScope {
  readonly scope: string
  readonly targetIds?: readonly string[]
}

/**
 * Everything known about a token except its raw value: what the verification cache and the stores
 * keep. Times are milliseconds since the epoch, `null` when Graph gives no limit.
 *
 * @example
 * ```ts
 * import type { TokenInfo } from '@tokens/core'
 * const token = await tokens.verify(raw)
 * const info: TokenInfo = token.toInfo() // everything but the raw value: safe to log
 * console.log(info.type, info.scopes, info.expiresAt === null ? 'never expires' : new Date(info.expiresAt))
 * ```
 */
export interface TokenInfo {
  type: TokenType
  appId: string
  userId?: string | undefined
  pageId?: string | undefined
  tasks?: readonly string[] | undefined
  scopes: readonly string[]
  granularScopes: readonly GranularScope[]
  issuedAt: number | null
  expiresAt: number | null
  dataAccessExpiresAt: number | null
  /** The profile and permission claims of a Limited Login token; absent for every other type. */
  claims?: LimitedLoginClaims | undefined
}

/**
 * A place a Limited Login token names (`user_hometown`, `user_location`).
 *
 * @example
 * ```ts
 * import type { LimitedLoginPlace } from '@tokens/core'
 * const person = await tokens.verify(raw, { type: 'limited_login' })
 * const home: LimitedLoginPlace | undefined = person.hometown
 * console.log(home?.name)
 * ```
 */
export interface LimitedLoginPlace {
  readonly id?: string
  readonly name?: string
}

/**
 * The claims of a Limited Login ID token besides `iss`, `aud`, `sub`, `iat` and `exp`, renamed in
 * camelCase. Each is absent when the token does not carry it (the person did not grant it).
 *
 * @example
 * ```ts
 * import type { LimitedLoginClaims } from '@tokens/core'
 * const person = await tokens.verify(raw, { type: 'limited_login' })
 * const profile: Pick<LimitedLoginClaims, 'name' | 'email'> = { name: person.name, email: person.email }
 * ```
 */
export interface LimitedLoginClaims {
  readonly name?: string
  readonly givenName?: string
  readonly familyName?: string
  readonly email?: string
  /** URL of the profile picture. */
  readonly picture?: string
  /** The nonce the app passed to the login, as the token carries it. */
  readonly nonce?: string
  /** The token's own id (`jti`). */
  readonly jwtId?: string
  /** `user_friends`: the friends who use the app too. */
  readonly friends?: readonly { readonly id?: string; readonly name?: string }[]
  /** `user_birthday`, as Meta writes it (`MM/DD/YYYY`, or a part of it). */
  readonly birthday?: string
  /** `user_age_range`. */
  readonly ageRange?: { readonly min?: number; readonly max?: number }
  readonly hometown?: LimitedLoginPlace
  readonly location?: LimitedLoginPlace
  readonly gender?: string
  /** `user_link`: the profile URL. */
  readonly link?: string
}

const LONG_LIVED_AFTER_MS = 24 * 60 * 60 * 1000

/**
 * A short form of a raw token that is safe to show: a recognisable prefix, never the secret part.
 *
 * @example
 * ```ts
 * import { redact } from '@tokens/core'
 * redact('1234567890|s3cr3t') // '1234567890|[redacted]'
 * redact('EAABwzLixnjYBO…') // 'EAA…[redacted]'
 * console.warn(`refused token ${redact(raw)}`)
 * ```
 */
export function redact(raw: string): string {
  const bar = raw.indexOf('|')
  if (bar > 0) return `${raw.slice(0, bar)}|[redacted]`
  return `${raw.slice(0, 3)}…[redacted]`
}

/** `Date` of a time in ms, or `null`. */
function dateOf(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms)
}

/** Fields shared by every token type. Construct tokens with `tokenFromInfo`, not directly. */
/** Marks tokens of this package, whichever copy (ESM or CommonJS) built them. */
const TOKEN_BRAND = Symbol.for('@tokens/core.AccessToken')

abstract class BaseToken {
  readonly [TOKEN_BRAND] = true
  readonly #value: string
  /** What Graph said, shared with the cache entry it came from (never changed). */
  readonly #info: TokenInfo
  abstract readonly type: TokenType
  readonly appId: string
  readonly scopes: readonly string[]
  readonly granularScopes: readonly GranularScope[]
  readonly lifetime: TokenLifetime

  constructor(raw: string, info: TokenInfo) {
    this.#value = raw
    this.#info = info
    this.appId = info.appId
    this.scopes = info.scopes
    this.granularScopes = info.granularScopes
    this.lifetime = lifetimeOf(info)
  }

  /** The raw access token, to send to Graph. The only way to read it. */
  get value(): string {
    return this.#value
  }

  /** When Graph issued the token; `null` when it does not say (short-lived user tokens). A new `Date` each time. */
  get issuedAt(): Date | null {
    return dateOf(this.#info.issuedAt)
  }

  /** When the token expires; `null` when it never does. A new `Date` each time. */
  get expiresAt(): Date | null {
    return dateOf(this.#info.expiresAt)
  }

  /** When the app's access to the user's data ends; `null` when Graph sets no limit. A new `Date` each time. */
  get dataAccessExpiresAt(): Date | null {
    return dateOf(this.#info.dataAccessExpiresAt)
  }

  /**
   * Whether the token grants `scope`, and, with `targetId`, whether the grant covers that object
   * (a granular scope without `targetIds` covers everything).
   */
  hasScope(scope: string, targetId?: string): boolean {
    if (!this.scopes.includes(scope)) return false
    if (targetId === undefined) return true
    const grant = this.granularScopes.find((g) => g.scope === scope)
    return grant?.targetIds === undefined || grant.targetIds.includes(targetId)
  }

  /** Whether the token has expired at `now` (milliseconds). */
  isExpired(now: number = Date.now()): boolean {
    const expiresAt = this.#info.expiresAt
    return expiresAt !== null && expiresAt <= now
  }

  /** Metadata without the raw value, as stored and cached. */
  toInfo(): TokenInfo {
    return { ...this.#info, type: this.type }
  }

  /** A redacted, JSON-safe form: everything but the raw value. */
  toJSON(): Record<string, unknown> {
    const { tasks, userId, pageId, ...info } = this.toInfo()
    return {
      ...info,
      ...(userId === undefined ? {} : { userId }),
      ...(pageId === undefined ? {} : { pageId }),
      ...(tasks === undefined ? {} : { tasks }),
      issuedAt: this.issuedAt?.toISOString() ?? null,
      expiresAt: this.expiresAt?.toISOString() ?? null,
      dataAccessExpiresAt: this.dataAccessExpiresAt?.toISOString() ?? null,
      lifetime: this.lifetime,
      value: redact(this.value),
    }
  }

  toString(): string {
    return `${this.constructor.name}(${redact(this.value)})`
  }

  [Symbol.toPrimitive](): string {
    return this.toString()
  }

  [inspect.custom](_depth: number, options: { stylize?: unknown }, inspectFn: typeof inspect = inspect): string {
    return `${this.constructor.name} ${inspectFn(this.toJSON(), options as never)}`
  }
}

function lifetimeOf(info: TokenInfo): TokenLifetime {
  if (info.expiresAt === null) return 'never'
  if (info.issuedAt === null) return info.type === 'user' ? 'short' : 'long'
  return info.expiresAt - info.issuedAt > LONG_LIVED_AFTER_MS ? 'long' : 'short'
}

/**
 * A user access token: acts for one person who logged in to the app.
 *
 * @example
 * ```ts
 * import type { UserToken } from '@tokens/core'
 * const user: UserToken = await tokens.verify(raw, { type: 'user' })
 * const pages = await tokens.pageTokens(user) // the Pages this person manages
 * console.log(user.userId, pages.length)
 * ```
 */
export class UserToken extends BaseToken {
  readonly type = 'user' as const
  readonly userId: string
  constructor(raw: string, info: TokenInfo) {
    super(raw, info)
    this.userId = info.userId ?? ''
    Object.freeze(this)
  }
}

/**
 * A Page access token: acts as a Facebook Page. `userId` is the admin it was obtained through.
 *
 * @example
 * ```ts
 * import type { PageToken } from '@tokens/core'
 * const user = await tokens.verify(raw, { type: 'user' })
 * const page: PageToken = await tokens.pageToken(user, '1234567890')
 * await tokens.graph.post(`/${page.pageId}/feed`, { token: page, params: { message: 'Hello from the Page' } })
 * ```
 */
export class PageToken extends BaseToken {
  readonly type = 'page' as const
  readonly pageId: string
  readonly userId: string | undefined
  readonly tasks: readonly string[] | undefined
  constructor(raw: string, info: TokenInfo) {
    super(raw, info)
    this.pageId = info.pageId ?? ''
    this.userId = info.userId
    this.tasks = info.tasks
    Object.freeze(this)
  }
}

/**
 * An app access token (`{app_id}|{app_secret}` or one from `client_credentials`).
 *
 * @example
 * ```ts
 * import type { AppToken } from '@tokens/core'
 * const appToken: AppToken = tokens.appToken() // composed from appId and appSecret, without a network call
 * await tokens.graph.delete('/1234567890/permissions', { token: appToken }) // removes the app from that user
 * ```
 */
export class AppToken extends BaseToken {
  readonly type = 'app' as const
  constructor(raw: string, info: TokenInfo) {
    super(raw, info)
    Object.freeze(this)
  }
}

/**
 * A system user token of a Business Manager.
 *
 * @example
 * ```ts
 * import type { SystemUserToken } from '@tokens/core'
 * const systemUser: SystemUserToken = await tokens.verify(process.env.SYSTEM_USER_TOKEN!, { type: 'system_user' })
 * const refreshed = await tokens.exchangeForLongLived(systemUser) // another 60 days
 * ```
 */
export class SystemUserToken extends BaseToken {
  readonly type = 'system_user' as const
  readonly userId: string
  constructor(raw: string, info: TokenInfo) {
    super(raw, info)
    this.userId = info.userId ?? ''
    Object.freeze(this)
  }
}

/**
 * A client token (`{app_id}|{client_token}`): embedded in apps, valid only for a few endpoints.
 *
 * @example
 * ```ts
 * import type { ClientToken } from '@tokens/core'
 * const token = await tokens.verify(raw, { type: ['user', 'client'] }) // a client token must be named to pass
 * if (token.type === 'client') {
 *   const client: ClientToken = token // in every copy of the app: it signs nobody in
 *   console.log(`anonymous caller of app ${client.appId}`)
 * }
 * ```
 */
export class ClientToken extends BaseToken {
  readonly type = 'client' as const
  constructor(raw: string, info: TokenInfo) {
    super(raw, info)
    Object.freeze(this)
  }
}

/**
 * An iOS Limited Login ID token (the SDK's `AuthenticationToken`): an OpenID Connect JWT verified
 * against Meta's keys, not with Graph. It names a person to the app but cannot call Graph, so it
 * meets only a requirement that names `limited_login`. `userId` is the app-scoped id (`sub`).
 *
 * @example
 * ```ts
 * const person = await tokens.verify(raw, { type: 'limited_login' })
 * console.log(person.userId, person.name, person.email)
 * ```
 */
export class LimitedLoginToken extends BaseToken {
  readonly type = 'limited_login' as const
  /** The app-scoped user id (`sub`). */
  readonly userId: string
  readonly name: string | undefined
  readonly givenName: string | undefined
  readonly familyName: string | undefined
  readonly email: string | undefined
  readonly picture: string | undefined
  readonly nonce: string | undefined
  readonly jwtId: string | undefined
  readonly friends: LimitedLoginClaims['friends']
  readonly birthday: string | undefined
  readonly ageRange: LimitedLoginClaims['ageRange']
  readonly hometown: LimitedLoginPlace | undefined
  readonly location: LimitedLoginPlace | undefined
  readonly gender: string | undefined
  readonly link: string | undefined
  constructor(raw: string, info: TokenInfo) {
    super(raw, info)
    const c: LimitedLoginClaims = info.claims ?? {}
    this.userId = info.userId ?? ''
    this.name = c.name
    this.givenName = c.givenName
    this.familyName = c.familyName
    this.email = c.email
    this.picture = c.picture
    this.nonce = c.nonce
    this.jwtId = c.jwtId
    this.friends = c.friends
    this.birthday = c.birthday
    this.ageRange = c.ageRange
    this.hometown = c.hometown
    this.location = c.location
    this.gender = c.gender
    this.link = c.link
    Object.freeze(this)
  }
}

/**
 * Any verified token, discriminated on `type`.
 *
 * @example
 * ```ts
 * import type { AccessToken } from '@tokens/core'
 * function owner(token: AccessToken): string {
 *   switch (token.type) {
 *     case 'page': return token.pageId
 *     case 'user': case 'system_user': return token.userId
 *     case 'app': case 'client': return token.appId
 *     case 'limited_login': return token.userId
 *   }
 * }
 * ```
 */
export type AccessToken = UserToken | PageToken | AppToken | SystemUserToken | ClientToken | LimitedLoginToken

/**
 * The token class of each {@link TokenType}: `TokenOfType<'page'>` is `PageToken`.
 *
 * @example
 * ```ts
 * import type { TokenOfType, TokenType } from '@tokens/core'
 * function verifyAs<T extends TokenType>(type: T): Promise<TokenOfType<T>> {
 *   return tokens.verify(raw, { type })
 * }
 * const page = await verifyAs('page') // a PageToken
 * console.log(page.pageId)
 * ```
 */
export type TokenOfType<T extends TokenType> = Extract<AccessToken, { type: T }>

/**
 * Builds the typed token for `info` around its raw value.
 *
 * @example
 * ```ts
 * import { tokenFromInfo } from '@tokens/core'
 * const token = tokenFromInfo('EAAB...', { type: 'user', appId: '1', userId: '2', scopes: [], granularScopes: [],
 *   issuedAt: null, expiresAt: null, dataAccessExpiresAt: null })
 * ```
 */
export function tokenFromInfo(raw: string, info: TokenInfo): AccessToken {
  switch (info.type) {
    case 'user':
      return new UserToken(raw, info)
    case 'page':
      return new PageToken(raw, info)
    case 'app':
      return new AppToken(raw, info)
    case 'system_user':
      return new SystemUserToken(raw, info)
    case 'client':
      return new ClientToken(raw, info)
    case 'limited_login':
      return new LimitedLoginToken(raw, info)
    default: {
      const unknown: never = info.type
      throw new TypeError(`Unknown token type: ${String(unknown)}`)
    }
  }
}

/**
 * True for a token built by this package, by its ESM or its CommonJS copy alike.
 *
 * @example
 * ```ts
 * import { isAccessToken } from '@tokens/core'
 * function pageIdOf(value: unknown): string | undefined {
 *   return isAccessToken(value) && value.type === 'page' ? value.pageId : undefined
 * }
 * ```
 */
export function isAccessToken(value: unknown): value is AccessToken {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[TOKEN_BRAND] === true
}
