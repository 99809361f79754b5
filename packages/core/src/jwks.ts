import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto'
import { TokenError } from './errors.js'
import type { TokensEvent } from './events.js'
import type { ResolvedLimitedLoginOptions } from './limited-login-options.js'

/** Bounds on how long fetched keys are fresh, whatever `Cache-Control` says. */
const MIN_FRESH_MS = 60_000
const MAX_FRESH_MS = 24 * 60 * 60 * 1000
/** Freshness of keys served without `Cache-Control: max-age`. */
const DEFAULT_FRESH_MS = 60 * 60 * 1000
/** Keys kept at most from one answer (a JWKS of thousands of keys is not Meta's). */
const MAX_KEYS = 32
/** RS256 keys shorter than this are refused, as jose and RFC 7518 refuse them. */
const MIN_MODULUS_BITS = 2048

type Key = KeyObject
/** The fields of a JWKS entry this cache reads. */
type Jwk = JsonWebKey & { kid?: unknown; use?: unknown; alg?: unknown }

/** What the JWKS cache needs of the core. */
export interface JwksContext {
  options: ResolvedLimitedLoginOptions
  fetch: typeof fetch
  clock: () => number
  emit: (event: TokensEvent) => void
}

/** `max-age` of a `Cache-Control` header in ms, bounded; `no-cache`/`no-store` count as the minimum. */
export function freshnessOf(cacheControl: string | null): number {
  if (cacheControl === null) return DEFAULT_FRESH_MS
  if (/(^|,)\s*(no-cache|no-store)\s*(,|$)/i.test(cacheControl)) return MIN_FRESH_MS
  const match = /(?:^|,)\s*(?:s-)?max-age\s*=\s*"?(\d{1,10})"?/i.exec(cacheControl)
  if (match === null) return DEFAULT_FRESH_MS
  return Math.min(MAX_FRESH_MS, Math.max(MIN_FRESH_MS, Number(match[1]) * 1000))
}

/**
 * Meta's signing keys, fetched once and kept as their `Cache-Control` allows; fetched again for an
 * unknown `kid` at most once per cooldown; kept and used while the endpoint fails. One fetch at a time.
 */
export class JwksCache {
  readonly #ctx: JwksContext
  #keys: Map<string, Key> | undefined
  #freshUntil = 0
  /** When a fetch last started (the cooldown counts from it), or `undefined` before the first. */
  #lastAttempt: number | undefined
  #inflight: Promise<void> | undefined
  #jwksUrl: string | undefined
  /** The issuer the discovery document named, when there is one. */
  issuer: string | undefined

  constructor(ctx: JwksContext) {
    this.#ctx = ctx
    this.issuer = ctx.options.issuer
    if (ctx.options.discoveryUrl === undefined) this.#jwksUrl = ctx.options.jwksUrl
  }

  /** Whether any key has been fetched. */
  get loaded(): boolean {
    return this.#keys !== undefined
  }

  /** The key named `kid` if it is known and Meta's keys are fresh: what a verification needs without waiting. */
  fresh(kid: string): Key | undefined {
    if (this.#keys === undefined || this.#ctx.clock() >= this.#freshUntil) return undefined
    return this.#keys.get(kid)
  }

  /**
   * The key named `kid`, or `undefined` when Meta's keys have no such key. Rejects with a 503
   * `graph_unavailable` only when the keys cannot be fetched and none are kept.
   */
  async key(kid: string, signal: AbortSignal): Promise<Key | undefined> {
    const now = this.#ctx.clock()
    const cooled = this.#lastAttempt === undefined || now - this.#lastAttempt >= this.#ctx.options.jwksCooldownMs
    const known = this.#keys?.get(kid)
    const stale = this.#keys === undefined || now >= this.#freshUntil
    if (known !== undefined && !stale) return known
    // A fetch is due: no keys yet, stale keys, or an unknown kid; never more than once per cooldown.
    if (cooled || this.#inflight !== undefined) {
      try {
        await this.#refresh(signal)
      } catch (error) {
        if (this.#keys === undefined) {
          throw new TokenError('graph_unavailable', "Meta's Limited Login keys could not be fetched", {
            cause: error,
          })
        }
        this.#ctx.emit({
          type: 'error',
          where: 'jwks',
          message: 'Limited Login keys could not be refreshed: using the kept keys',
        })
      }
    } else if (this.#keys === undefined) {
      throw new TokenError('graph_unavailable', "Meta's Limited Login keys could not be fetched", {})
    }
    return this.#keys?.get(kid)
  }

  #refresh(signal: AbortSignal): Promise<void> {
    if (this.#inflight === undefined) {
      this.#lastAttempt = this.#ctx.clock()
      this.#inflight = this.#fetchKeys(signal).finally(() => {
        this.#inflight = undefined
      })
    }
    return this.#inflight
  }

  async #fetchKeys(signal: AbortSignal): Promise<void> {
    if (this.#jwksUrl === undefined) await this.#discover(signal)
    const response = await this.#ctx.fetch(this.#jwksUrl as string, { signal, headers: { accept: 'application/json' } })
    if (!response.ok) throw new Error(`The JWKS endpoint answered ${response.status}`)
    const body = (await response.json()) as { keys?: unknown }
    if (!Array.isArray(body?.keys)) throw new Error('The JWKS endpoint answered no keys')
    const keys = new Map<string, Key>()
    for (const jwk of body.keys.slice(0, MAX_KEYS) as Jwk[]) {
      if (typeof jwk !== 'object' || jwk === null || jwk.kty !== 'RSA' || typeof jwk.kid !== 'string') continue
      if ((jwk.use !== undefined && jwk.use !== 'sig') || (jwk.alg !== undefined && jwk.alg !== 'RS256')) continue
      try {
        // Public parts only: a JWKS entry that carries a private exponent is not used as given.
        const key = createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' })
        if ((key.asymmetricKeyDetails?.modulusLength ?? 0) >= MIN_MODULUS_BITS) keys.set(jwk.kid, key)
      } catch {
        // A key we cannot use verifies nothing: skipped.
      }
    }
    this.#keys = keys
    this.#freshUntil = this.#ctx.clock() + freshnessOf(response.headers.get('cache-control'))
  }

  async #discover(signal: AbortSignal): Promise<void> {
    const url = this.#ctx.options.discoveryUrl as string
    const response = await this.#ctx.fetch(url, { signal, headers: { accept: 'application/json' } })
    if (!response.ok) throw new Error(`The OpenID discovery endpoint answered ${response.status}`)
    const body = (await response.json()) as { jwks_uri?: unknown; issuer?: unknown }
    if (typeof body?.jwks_uri !== 'string' || !/^https?:\/\//.test(body.jwks_uri)) {
      throw new Error('The OpenID discovery document names no jwks_uri')
    }
    if (this.issuer === undefined) {
      if (typeof body.issuer !== 'string' || body.issuer === '')
        throw new Error('The discovery document names no issuer')
      this.issuer = body.issuer
    }
    this.#jwksUrl = body.jwks_uri
  }
}
