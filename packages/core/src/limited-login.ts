import { type KeyObject, verify as verifySignature } from 'node:crypto'
import { decodeJwt, decodeProtectedHeader, type JWTPayload, type ProtectedHeaderParameters } from 'jose'
import type { CachedVerification } from './cache.js'
import { REASON_DESCRIPTIONS } from './debug-token.js'
import { type InvalidTokenReason, TokenError } from './errors.js'
import type { TokensEvent } from './events.js'
import { JwksCache } from './jwks.js'
import type { ResolvedOptions } from './options.js'
import type { LimitedLoginClaims, LimitedLoginPlace, TokenInfo } from './token.js'

/** Three base64url parts: how a Limited Login ID token differs from every Graph token, before any network call. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/

/** Whether `raw` has the shape of a JWT (a Limited Login ID token) rather than a Graph access token. */
export function isJwt(raw: string): boolean {
  // Graph tokens have no dot: on every request, one scan for a character instead of the regex.
  return raw.includes('.') && JWT_SHAPE.test(raw)
}

/** Permission claims of a Limited Login token, and the scope each stands for. */
const PERMISSION_CLAIMS = [
  'user_friends',
  'user_birthday',
  'user_age_range',
  'user_hometown',
  'user_location',
  'user_gender',
  'user_link',
] as const

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

function place(value: unknown): LimitedLoginPlace | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const { id, name } = value as Record<string, unknown>
  return Object.freeze({
    ...(text(id) === undefined ? {} : { id: text(id) }),
    ...(text(name) === undefined ? {} : { name: text(name) }),
  })
}

/** `record` without its `undefined` fields, frozen (a loop: this runs for every new token). */
function defined<T extends object>(record: T): T {
  const out: Record<string, unknown> = {}
  for (const name in record) {
    const value = record[name]
    if (value !== undefined) out[name] = value
  }
  return Object.freeze(out) as T
}

/** The claims of a verified payload, typed; what is not of the expected type is left out. */
export function claimsOf(payload: JWTPayload): LimitedLoginClaims {
  const p = payload as Record<string, unknown>
  const friends = Array.isArray(p.user_friends)
    ? Object.freeze(p.user_friends.map(place).filter((f): f is LimitedLoginPlace => f !== undefined))
    : undefined
  const range = p.user_age_range
  const ageRange =
    typeof range === 'object' && range !== null
      ? defined({
          min: typeof (range as { min?: unknown }).min === 'number' ? (range as { min: number }).min : undefined,
          max: typeof (range as { max?: unknown }).max === 'number' ? (range as { max: number }).max : undefined,
        })
      : undefined
  return defined<LimitedLoginClaims>({
    name: text(p.name),
    givenName: text(p.given_name),
    familyName: text(p.family_name),
    email: text(p.email),
    picture: text(p.picture),
    nonce: text(p.nonce),
    jwtId: text(p.jti),
    friends,
    birthday: text(p.user_birthday),
    ageRange,
    hometown: place(p.user_hometown),
    location: place(p.user_location),
    gender: text(p.user_gender),
    link: text(p.user_link),
  })
}

/** What {@link LimitedLoginVerifier.precheck} read from a token it did not refuse. */
export interface PrecheckedToken {
  /** The signing key's id. */
  kid: string
  /** The payload, not yet verified. */
  payload: JWTPayload
}

/**
 * Verifies Limited Login ID tokens: RS256 only, against Meta's keys, then `iss`, `aud`, `exp`, `iat`.
 * Cheap checks of the unverified token come first, so a token that can only fail costs no fetch.
 */
export class LimitedLoginVerifier {
  readonly #options: ResolvedOptions
  readonly jwks: JwksCache

  constructor(options: ResolvedOptions, emit: (event: TokensEvent) => void) {
    this.#options = options
    this.jwks = new JwksCache({
      options: options.limitedLogin,
      fetch: options.fetch,
      clock: options.clock,
      emit,
    })
  }

  #invalid(reason: InvalidTokenReason): TokenError {
    return new TokenError('invalid_token', REASON_DESCRIPTIONS[reason], { reason })
  }

  /** Whether `aud` names this app or one of `acceptAppIds`. */
  #accepts(aud: unknown): boolean {
    return aud === this.#options.appId || (typeof aud === 'string' && this.#options.acceptAppIds.has(aud))
  }

  /** What can be refused from the token alone: its form, algorithm, issuer, audience and times. */
  precheck(raw: string): PrecheckedToken {
    let header: ProtectedHeaderParameters
    let payload: JWTPayload
    try {
      header = decodeProtectedHeader(raw)
      payload = decodeJwt(raw)
    } catch {
      throw this.#invalid('malformed')
    }
    // RFC 7515 §4.1.11: an extension the verifier must understand, and this one understands none.
    if (header.crit !== undefined) throw this.#invalid('malformed')
    if (header.alg !== 'RS256' || typeof header.kid !== 'string' || header.kid === '')
      throw this.#invalid('bad_signature')
    const issuer = this.jwks.issuer
    if (issuer !== undefined && payload.iss !== issuer) throw this.#invalid('wrong_issuer')
    const aud = typeof payload.aud === 'string' ? [payload.aud] : Array.isArray(payload.aud) ? payload.aud : []
    if (!aud.some((a) => this.#accepts(a))) throw this.#invalid('wrong_app')
    if (typeof payload.sub !== 'string' || payload.sub === '') throw this.#invalid('malformed')
    if (typeof payload.exp !== 'number' || typeof payload.iat !== 'number') throw this.#invalid('malformed')
    if (payload.nbf !== undefined && typeof payload.nbf !== 'number') throw this.#invalid('malformed')
    this.#checkTimes(payload)
    return { kid: header.kid, payload }
  }

  /** `exp`, `iat` and `nbf` against the clock, with the configured tolerance. */
  #checkTimes(payload: JWTPayload): void {
    const { clock, limitedLogin } = this.#options
    const now = clock()
    const tolerance = limitedLogin.clockToleranceMs
    if ((payload.exp as number) * 1000 + tolerance <= now) throw this.#invalid('expired')
    if ((payload.iat as number) * 1000 - tolerance > now) throw this.#invalid('not_yet_valid')
    if (payload.nbf !== undefined && payload.nbf * 1000 - tolerance > now) throw this.#invalid('not_yet_valid')
  }

  /**
   * Verifies the signature of `raw` (after {@link precheck}) with Meta's key named `kid`, and returns
   * the cache entry of its verification, valid until `exp`.
   */
  async verify(raw: string, checked: PrecheckedToken, signal: AbortSignal): Promise<CachedVerification> {
    const key = await this.jwks.key(checked.kid, signal)
    if (key === undefined) throw this.#invalid('bad_signature')
    return this.verifyWith(raw, checked, key)
  }

  /**
   * {@link verify} with Meta's key in hand (`jwks.fresh(kid)`): no fetch, no deadline. The RS256
   * signature is checked by `node:crypto` (OpenSSL) on libuv's thread pool, as jose 4 does: the RSA
   * work (tens of µs) leaves the event loop free for other requests, and runs on another core.
   */
  verifyWith(raw: string, checked: PrecheckedToken, key: KeyObject): Promise<CachedVerification> {
    const { payload } = checked
    // Discovery may have named the issuer only now; and the clock moved while the keys were fetched.
    if (payload.iss !== this.jwks.issuer) return Promise.reject(this.#invalid('wrong_issuer'))
    try {
      this.#checkTimes(payload)
    } catch (error) {
      return Promise.reject(error)
    }
    const dot = raw.lastIndexOf('.')
    const signed = Buffer.from(raw.slice(0, dot), 'latin1')
    const signature = Buffer.from(raw.slice(dot + 1), 'base64url')
    return new Promise((resolve, reject) => {
      verifySignature('RSA-SHA256', signed, key, signature, (error, valid) => {
        if (error !== null || !valid) reject(this.#invalid('bad_signature'))
        else {
          try {
            resolve(this.#verified(payload))
          } catch (failure) {
            reject(failure)
          }
        }
      })
    })
  }

  /** The cache entry of a token whose signature and claims were verified. */
  #verified(payload: JWTPayload): CachedVerification {
    const { clock } = this.#options
    const aud = typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? [])
    const appId = aud.find((a) => a === this.#options.appId) ?? (aud.find((a) => this.#accepts(a)) as string)
    const claims = claimsOf(payload)
    const scopes = [
      'public_profile',
      ...(claims.email === undefined ? [] : ['email']),
      ...PERMISSION_CLAIMS.filter((c) => (payload as Record<string, unknown>)[c] !== undefined),
    ]
    const info: TokenInfo = {
      type: 'limited_login',
      appId,
      userId: payload.sub as string,
      scopes: Object.freeze(scopes),
      granularScopes: Object.freeze(scopes.map((scope) => Object.freeze({ scope }))),
      issuedAt: (payload.iat as number) * 1000,
      expiresAt: (payload.exp as number) * 1000,
      dataAccessExpiresAt: null,
      claims,
    }
    const now = clock()
    const until = info.expiresAt as number
    return { outcome: 'valid', info, verifiedAt: now, freshUntil: until, keepUntil: until }
  }
}
