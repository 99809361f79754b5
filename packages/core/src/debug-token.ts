import type { InvalidTokenReason } from './errors.js'
import { Interner } from './interning.js'
import type { GranularScope, TokenInfo, TokenType } from './token.js'

/** What one `debug_token` answer says about a token. */
export type DebugTokenVerdict =
  | { outcome: 'valid'; info: TokenInfo }
  | { outcome: 'rejected'; reason: InvalidTokenReason; description: string; userId?: string | undefined }

/** Our own words for each reason: Graph's messages are not repeated to clients. */
export const REASON_DESCRIPTIONS: Readonly<Record<InvalidTokenReason, string>> = Object.freeze({
  expired: 'The access token has expired',
  invalidated: 'The access token has been invalidated',
  password_changed: 'The access token was invalidated because the user changed their password',
  app_not_installed: 'The user has removed the app, so its access tokens are no longer valid',
  wrong_app: 'The access token was issued to another app',
  malformed: 'The access token is malformed',
  client_token: 'A client token identifies the app, not a person: this route does not accept it',
  limited_login: 'A Limited Login token cannot call the Graph API: this route does not accept it',
  bad_signature: 'The token is not signed by a key of the issuer',
  wrong_issuer: 'The token was issued by another issuer',
  not_yet_valid: 'The token is not valid yet',
  nonce_mismatch: 'The token does not carry the expected nonce, or the nonce was already used',
})

const TYPES: Readonly<Record<string, TokenType>> = {
  USER: 'user',
  PAGE: 'page',
  APP: 'app',
  SYSTEM_USER: 'system_user',
}

/** Maps Graph's 190 subcodes to a reason (docs/graph-protocol.md#subcodes-of-190). */
function reasonOf(error: unknown): InvalidTokenReason {
  if (typeof error !== 'object' || error === null) return 'invalidated'
  const e = error as Record<string, unknown>
  const subcode = typeof e.subcode === 'number' ? e.subcode : e.error_subcode
  switch (subcode) {
    case 463:
      return 'expired'
    case 460:
      return 'password_changed'
    case 458:
      return 'app_not_installed'
    case 467:
      return 'malformed'
    case undefined:
      return typeof e.message === 'string' && /cannot parse/i.test(e.message) ? 'malformed' : 'invalidated'
    default:
      return 'invalidated'
  }
}

function id(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return String(value)
  return undefined
}

/** Unix seconds → ms; `0`, absent or nonsense → `null` (no limit / unknown). */
function time(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value * 1000 : null
}

const scopeSets = new Interner<readonly string[]>(1024)
const grantSets = new Interner<readonly GranularScope[]>(1024)
const ids = new Interner<string>(1024)

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((s): s is string => typeof s === 'string') : []
}

function granular(value: unknown): GranularScope[] {
  if (!Array.isArray(value)) return []
  const out: GranularScope[] = []
  for (const g of value) {
    if (typeof g !== 'object' || g === null || typeof (g as { scope?: unknown }).scope !== 'string') continue
    const { scope, target_ids } = g as { scope: string; target_ids?: unknown }
    out.push(
      Object.freeze(Array.isArray(target_ids) ? { scope, targetIds: Object.freeze(strings(target_ids)) } : { scope }),
    )
  }
  return out
}

/** The shared, frozen copy of a list (frozen so no holder can change it for the others). */
function shared<T>(interner: Interner<readonly T[]>, list: T[]): readonly T[] {
  return interner.intern(JSON.stringify(list), Object.freeze(list))
}

/**
 * Reads a `debug_token` answer defensively (fields may be missing or of the wrong type). Returns
 * `undefined` when the body is not a `debug_token` answer at all.
 */
export function interpretDebugToken(body: unknown): DebugTokenVerdict | undefined {
  if (typeof body !== 'object' || body === null) return undefined
  const data = (body as { data?: unknown }).data
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined
  const d = data as Record<string, unknown>
  const userId = id(d.user_id)
  if (d.is_valid !== true) {
    const reason = reasonOf(d.error)
    return { outcome: 'rejected', reason, description: REASON_DESCRIPTIONS[reason], userId }
  }
  const type = typeof d.type === 'string' ? TYPES[d.type] : undefined
  const rawAppId = id(d.app_id)
  const appId = rawAppId === undefined ? undefined : ids.intern(rawAppId, rawAppId)
  if (type === undefined || appId === undefined) {
    return { outcome: 'rejected', reason: 'malformed', description: REASON_DESCRIPTIONS.malformed, userId }
  }
  const info: TokenInfo = {
    type,
    appId,
    userId,
    scopes: shared(scopeSets, strings(d.scopes)),
    granularScopes: shared(grantSets, granular(d.granular_scopes)),
    issuedAt: time(d.issued_at),
    expiresAt: time(d.expires_at),
    dataAccessExpiresAt: time(d.data_access_expires_at),
  }
  if (type === 'page') {
    const pageId = id(d.profile_id)
    if (pageId === undefined) {
      return { outcome: 'rejected', reason: 'malformed', description: REASON_DESCRIPTIONS.malformed, userId }
    }
    info.pageId = pageId
  }
  if ((type === 'user' || type === 'system_user') && userId === undefined) {
    return { outcome: 'rejected', reason: 'malformed', description: REASON_DESCRIPTIONS.malformed }
  }
  return { outcome: 'valid', info }
}
