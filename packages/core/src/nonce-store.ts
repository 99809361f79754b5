import { timingSafeEqual } from 'node:crypto'
import { REASON_DESCRIPTIONS } from './debug-token.js'
import { TokenError } from './errors.js'
import type { LimitedLoginToken } from './token.js'
import { tokenKey } from './token-key.js'

/**
 * Where the nonces of Limited Login tokens are remembered once used, so that a token replayed with
 * its nonce is refused. `claim` answers `true` the first time a key is claimed, then `false` until
 * `ttlMs` has passed. `@tokens/redis`'s cache has this method, so it shares used nonces across
 * processes.
 *
 * @example
 * ```ts
 * import type { NonceStore } from '@tokens/core'
 * const seen = new Set<string>()
 * const store: NonceStore = { claim: (key) => !seen.has(key) && seen.add(key) !== undefined }
 * ```
 */
export interface NonceStore {
  claim(key: string, ttlMs: number): boolean | Promise<boolean>
}

/**
 * Options of {@link MemoryNonceStore}.
 *
 * @example
 * ```ts
 * import { MemoryNonceStore, type MemoryNonceStoreOptions } from '@tokens/core'
 * const options: MemoryNonceStoreOptions = { maxEntries: 10_000 }
 * const nonces = new MemoryNonceStore(options)
 * ```
 */
export interface MemoryNonceStoreOptions {
  /** Nonces remembered at most; the oldest claims go first. @default 100000 */
  maxEntries?: number
  /** The clock, in ms. @default Date.now */
  clock?: () => number
}

/**
 * The in-process {@link NonceStore}: remembers each claimed nonce until its time is up, bounded.
 *
 * @example
 * ```ts
 * import { createTokens, MemoryNonceStore } from '@tokens/core'
 * const core = createTokens({ appId, appSecret, limitedLogin: { nonceStore: new MemoryNonceStore({ maxEntries: 10_000 }) } })
 * ```
 */
export class MemoryNonceStore implements NonceStore {
  /** Claimed keys and when each claim ends, oldest first. */
  readonly #claims = new Map<string, number>()
  readonly #max: number
  readonly #clock: () => number

  constructor(options: MemoryNonceStoreOptions = {}) {
    this.#max = options.maxEntries ?? 100_000
    this.#clock = options.clock ?? Date.now
  }

  claim(key: string, ttlMs: number): boolean {
    const now = this.#clock()
    const until = this.#claims.get(key)
    if (until !== undefined && until > now) return false
    this.#claims.delete(key)
    this.#claims.set(key, now + ttlMs)
    for (const [old, end] of this.#claims) {
      if (this.#claims.size <= this.#max && end > now) break
      this.#claims.delete(old)
    }
    return true
  }
}

/** What {@link consumeNonce} needs of the core. */
export interface NonceCheck {
  store: NonceStore
  appId: string
  clock: () => number
  clockToleranceMs: number
}

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/**
 * Checks that a Limited Login token carries `expected` (the nonce the app gave the login) and that
 * the nonce was not used before, then marks it used until the token expires. Refuses with
 * `invalid_token`, reason `nonce_mismatch`.
 */
export async function consumeNonce(token: LimitedLoginToken, expected: string, check: NonceCheck): Promise<void> {
  const refuse = () =>
    new TokenError('invalid_token', REASON_DESCRIPTIONS.nonce_mismatch, {
      reason: 'nonce_mismatch',
    })
  if (typeof expected !== 'string' || expected === '') throw new TypeError('verify: nonce must be a non-empty string')
  if (token.nonce === undefined || !sameString(token.nonce, expected)) throw refuse()
  const ttlMs = Math.max(1000, (token.expiresAt?.getTime() ?? 0) - check.clock() + check.clockToleranceMs)
  if (!(await check.store.claim(`ll-nonce:${tokenKey(expected)}:${check.appId}`, ttlMs))) throw refuse()
}
