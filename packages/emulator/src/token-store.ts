import type { Clock } from './clock.js'
import type { AppRecord, Directory } from './state.js'
import { expiredProblem, invalidationProblem, type TokenProblem } from './token-problems.js'
import {
  CODE_TTL_SECONDS,
  DATA_ACCESS_SECONDS,
  LONG_LIVED_SECONDS,
  newAuthorizationCode,
  newBearerToken,
  SHORT_LIVED_SECONDS,
  splitAppToken,
} from './tokens.js'
import type { InvalidationReason, TokenLifetime } from './types.js'

/** The `type` debug_token reports. */
export type TokenType = 'USER' | 'PAGE' | 'APP' | 'SYSTEM_USER'

/** A user, page or system-user token the emulator issued. */
export interface TokenRecord {
  value: string
  type: Exclude<TokenType, 'APP'>
  appId: string
  userId: string
  pageId: string | undefined
  scopes: string[]
  issuedAt: number
  /** 0 = never. */
  expiresAt: number
  dataAccessExpiresAt: number
  lifetime: TokenLifetime
  problem: TokenProblem | undefined
}

/** An authorization code from the login dialog. */
export interface CodeRecord {
  appId: string
  userId: string
  redirectUri: string
  createdAt: number
  used: boolean
}

/** What a raw access token string turned out to be. */
export type ResolvedToken =
  | { kind: 'record'; record: TokenRecord; app: AppRecord }
  | { kind: 'app'; app: AppRecord }
  | { kind: 'client'; app: AppRecord }
  | { kind: 'bad_app_secret'; app: AppRecord }
  | { kind: 'unknown' }

const DEFAULT_PAGE_SCOPES = ['pages_show_list', 'pages_read_engagement', 'pages_manage_posts', 'public_profile']

function withPublicProfile(scopes: string[]): string[] {
  return [...new Set([...scopes, 'public_profile'])]
}

/** Issued tokens, authorization codes and the Page tokens derived from user tokens. */
export class TokenStore {
  readonly records = new Map<string, TokenRecord>()
  readonly codes = new Map<string, CodeRecord>()
  readonly #derived = new Map<string, string>()

  constructor(
    private readonly directory: Directory,
    private readonly clock: Clock,
  ) {}

  #add(record: Omit<TokenRecord, 'value' | 'problem' | 'issuedAt' | 'dataAccessExpiresAt'>): TokenRecord {
    const now = this.clock.now()
    const full: TokenRecord = {
      ...record,
      value: newBearerToken(),
      issuedAt: now,
      dataAccessExpiresAt: now + DATA_ACCESS_SECONDS,
      problem: undefined,
    }
    this.records.set(full.value, full)
    return full
  }

  issueUser(appId: string, userId: string, scopes: string[] | undefined, lifetime: TokenLifetime = 'short') {
    this.directory.app(appId)
    this.directory.user(userId)
    const granted = withPublicProfile(scopes ?? [])
    this.directory.grant(userId, appId, granted)
    const life = lifetime === 'long' ? LONG_LIVED_SECONDS : SHORT_LIVED_SECONDS
    const expiresAt = this.clock.now() + life
    return this.#add({ type: 'USER', appId, userId, pageId: undefined, scopes: granted, expiresAt, lifetime })
  }

  issuePage(appId: string, userId: string, pageId: string, lifetime: TokenLifetime = 'short', from?: TokenRecord) {
    this.directory.app(appId)
    this.directory.user(userId)
    const page = this.directory.page(pageId)
    if (!page.admins.has(userId)) throw new TypeError(`user ${userId} has no role on page ${pageId}`)
    const granted = this.directory.grantedScopes(userId, appId)
    const scopes = from ? from.scopes : granted.length > 1 ? granted : DEFAULT_PAGE_SCOPES
    const expiresAt = lifetime === 'long' ? 0 : (from?.expiresAt ?? this.clock.now() + SHORT_LIVED_SECONDS)
    return this.#add({ type: 'PAGE', appId, userId, pageId, scopes: [...scopes], expiresAt, lifetime })
  }

  issueSystemUser(appId: string, userId: string, scopes: string[] | undefined, expiresIn = 0) {
    this.directory.app(appId)
    this.directory.user(userId)
    if (!Number.isInteger(expiresIn) || expiresIn < 0) throw new TypeError('expiresIn must be 0 or whole seconds')
    const expiresAt = expiresIn === 0 ? 0 : this.clock.now() + expiresIn
    const lifetime: TokenLifetime = 'long'
    const type = 'SYSTEM_USER'
    return this.#add({
      type,
      appId,
      userId,
      pageId: undefined,
      scopes: withPublicProfile(scopes ?? []),
      expiresAt,
      lifetime,
    })
  }

  /** The Page token `/me/accounts` and `/{page-id}?fields=access_token` hand out for a user token (stable). */
  derivedPageToken(user: TokenRecord, pageId: string): TokenRecord {
    const key = `${user.value}:${pageId}`
    const existing = this.#derived.get(key)
    const known = existing === undefined ? undefined : this.records.get(existing)
    if (known && this.problem(known) === undefined) return known
    const lifetime: TokenLifetime = user.lifetime === 'long' ? 'long' : 'short'
    const record = this.issuePage(user.appId, user.userId, pageId, lifetime, user)
    this.#derived.set(key, record.value)
    return record
  }

  /** Resolves a raw token: an issued record, an app token (either form), a client token, or unknown. */
  resolve(raw: string): ResolvedToken {
    const record = this.records.get(raw)
    if (record) return { kind: 'record', record, app: this.directory.app(record.appId) }
    const split = splitAppToken(raw)
    const app = split ? this.directory.apps.get(split.appId) : undefined
    if (!split || !app) return { kind: 'unknown' }
    if (raw === app.issuedAppToken || split.rest === app.secret) return { kind: 'app', app }
    if (split.rest === app.clientToken) return { kind: 'client', app }
    return { kind: 'bad_app_secret', app }
  }

  /** Why the token is not valid now, or `undefined` when it is. */
  problem(record: TokenRecord): TokenProblem | undefined {
    if (record.problem) return record.problem
    const now = this.clock.now()
    if (record.expiresAt !== 0 && now >= record.expiresAt) return expiredProblem(record.expiresAt, now)
    return undefined
  }

  invalidate(raw: string, reason: InvalidationReason): void {
    const record = this.records.get(raw)
    if (!record) throw new TypeError('invalidateToken: unknown token (only user, page and system-user tokens)')
    record.problem = invalidationProblem(reason, record.userId, record.appId)
  }

  /** Every token of the user for the app turns invalid with subcode 458. */
  removeApp(userId: string, appId: string): void {
    for (const record of this.records.values()) {
      if (record.userId === userId && record.appId === appId && !record.problem) {
        record.problem = invalidationProblem('app_removed', userId, appId)
      }
    }
    for (const code of this.codes.values()) if (code.userId === userId && code.appId === appId) code.used = true
  }

  /** Drops a revoked permission from the user's tokens for the app. */
  dropScope(userId: string, appId: string, scope: string): void {
    for (const record of this.records.values()) {
      if (record.userId === userId && record.appId === appId) record.scopes = record.scopes.filter((s) => s !== scope)
    }
  }

  newCode(appId: string, userId: string, redirectUri: string): string {
    const code = newAuthorizationCode()
    this.codes.set(code, { appId, userId, redirectUri, createdAt: this.clock.now(), used: false })
    return code
  }

  /** Whether a code is past its 10-minute life. */
  codeExpired(code: CodeRecord): boolean {
    return this.clock.now() >= code.createdAt + CODE_TTL_SECONDS
  }
}
