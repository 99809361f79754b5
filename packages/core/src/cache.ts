import type { InvalidTokenReason } from './errors.js'
import type { TokenInfo } from './token.js'

/**
 * One cached verification, keyed by the SHA-256 of the token: never the raw token. Times are
 * milliseconds since the epoch.
 *
 * @example
 * ```ts
 * import type { CachedVerification } from '@tokens/core'
 * function describe(entry: CachedVerification, now = Date.now()): string {
 *   if (entry.outcome === 'rejected') return `rejected (${entry.reason})`
 *   if (entry.freshUntil > now) return `valid ${entry.info.type} token`
 *   return entry.keepUntil > now ? 'to verify again (may serve while Graph is down)' : 'expired'
 * }
 * ```
 */
export type CachedVerification =
  | { outcome: 'valid'; info: TokenInfo; verifiedAt: number; freshUntil: number; keepUntil: number }
  | {
      outcome: 'rejected'
      reason: InvalidTokenReason
      description: string
      userId?: string | undefined
      verifiedAt: number
      freshUntil: number
      keepUntil: number
    }

/**
 * Where verifications are kept. `freshUntil` is when an entry must be verified again; `keepUntil`
 * (≥ `freshUntil`) is how long it may still serve while Graph is down. Methods may be synchronous
 * (the in-process LRU) or return promises (`@tokens/redis`).
 *
 * @example
 * ```ts
 * import { type CachedVerification, createTokens, type VerificationCache } from '@tokens/core'
 * class MapCache implements VerificationCache {
 *   readonly #entries = new Map<string, CachedVerification>()
 *   get(key: string) {
 *     const entry = this.#entries.get(key)
 *     return entry !== undefined && entry.keepUntil > Date.now() ? entry : undefined
 *   }
 *   set(key: string, entry: CachedVerification) {
 *     this.#entries.set(key, entry)
 *   }
 *   deleteUser(userId: string) {
 *     for (const [key, entry] of this.#entries) {
 *       if ((entry.outcome === 'valid' ? entry.info.userId : entry.userId) === userId) this.#entries.delete(key)
 *     }
 *   }
 * }
 * const tokens = createTokens({ appId, appSecret, cache: new MapCache() })
 * ```
 */
export interface VerificationCache {
  get(key: string): CachedVerification | undefined | Promise<CachedVerification | undefined>
  set(key: string, entry: CachedVerification): void | Promise<void>
  /** Drops every verification of a user (their user tokens and the Page tokens they gave). */
  deleteUser(userId: string): void | Promise<void>
  /**
   * Runs `load` once across every process sharing the cache (a distributed lock); the others wait
   * for its result. Optional: without it the core coalesces within the process only.
   */
  coalesce?(key: string, load: () => Promise<CachedVerification>): Promise<CachedVerification>
  /**
   * Claims `key` for `ttlMs` across every process sharing the cache: `true` for the first caller,
   * `false` while its claim holds. The core handles each `signed_request` at most once with it.
   * Optional: without it, a replayed `signed_request` is refused within the process only.
   */
  claim?(key: string, ttlMs: number): boolean | Promise<boolean>
  /** Ends a claim early: its handling failed, and Meta retries the callback. */
  release?(key: string): void | Promise<void>
  close?(): void | Promise<void>
}

/**
 * Options of {@link LruVerificationCache}.
 *
 * @example
 * ```ts
 * import { createTokens, type LruCacheOptions, LruVerificationCache } from '@tokens/core'
 * const options: LruCacheOptions = { maxEntries: 50_000 }
 * const cache = new LruVerificationCache(options)
 * const tokens = createTokens({ appId, appSecret, cache }) // `cache.size` tells how full it is
 * ```
 */
export interface LruCacheOptions {
  /**
   * Entries kept; the least recently used go first, rejections before valid verifications (a flood of
   * garbage tokens cannot push known users out). @default 10000
   */
  maxEntries?: number
  /** The clock, in ms. @default Date.now */
  clock?: () => number
}

/**
 * The default in-process cache: a bounded LRU with a per-user index for `deleteUser`. When full, it
 * drops the least recently used rejection first, and a valid verification only when it holds no
 * rejection: rejections never push valid verifications out.
 *
 * @example
 * ```ts
 * import { createTokens, LruVerificationCache } from '@tokens/core'
 * const tokens = createTokens({ appId, appSecret, cache: new LruVerificationCache({ maxEntries: 50_000 }) })
 * ```
 */
export class LruVerificationCache implements VerificationCache {
  readonly #entries = new Map<string, CachedVerification>()
  readonly #byUser = new Map<string, Set<string>>()
  /** Keys of rejections, least recently used first: evicted before any valid verification. */
  readonly #rejected = new Set<string>()
  /** Claimed keys and when each claim ends (ms). */
  readonly #claims = new Map<string, number>()
  readonly #max: number
  readonly #clock: () => number
  /** The most recently used key. */
  #newest: string | undefined

  constructor(options: LruCacheOptions = {}) {
    this.#max = options.maxEntries ?? 10_000
    if (!Number.isInteger(this.#max) || this.#max < 1) throw new TypeError('maxEntries must be a positive integer')
    this.#clock = options.clock ?? Date.now
  }

  /** Entries held now. */
  get size(): number {
    return this.#entries.size
  }

  get(key: string): CachedVerification | undefined {
    const entry = this.#entries.get(key)
    if (entry === undefined) return undefined
    if (entry.keepUntil <= this.#clock()) {
      this.#remove(key, entry)
      return undefined
    }
    // Refresh recency (Map iteration order is insertion order), unless it is the newest already:
    // re-inserting the same hot key on every request only churns the Map.
    if (key !== this.#newest) {
      this.#entries.delete(key)
      this.#entries.set(key, entry)
      if (this.#rejected.delete(key)) this.#rejected.add(key)
      this.#newest = key
    }
    return entry
  }

  set(key: string, entry: CachedVerification): void {
    const old = this.#entries.get(key)
    if (old !== undefined) this.#remove(key, old)
    this.#entries.set(key, entry)
    this.#newest = key
    if (entry.outcome === 'rejected') this.#rejected.add(key)
    const userId = entry.outcome === 'valid' ? entry.info.userId : entry.userId
    if (userId) {
      const keys = this.#byUser.get(userId)
      if (keys === undefined) this.#byUser.set(userId, new Set([key]))
      else keys.add(key)
    }
    while (this.#entries.size > this.#max) {
      const oldest = (this.#rejected.values().next().value ?? this.#entries.keys().next().value) as string
      this.#remove(oldest, this.#entries.get(oldest) as CachedVerification)
    }
  }

  deleteUser(userId: string): void {
    for (const key of this.#byUser.get(userId) ?? []) {
      this.#entries.delete(key)
      this.#rejected.delete(key)
    }
    this.#byUser.delete(userId)
  }

  #remove(key: string, entry: CachedVerification): void {
    this.#entries.delete(key)
    this.#rejected.delete(key)
    const userId = entry.outcome === 'valid' ? entry.info.userId : entry.userId
    if (!userId) return
    const keys = this.#byUser.get(userId)
    keys?.delete(key)
    if (keys?.size === 0) this.#byUser.delete(userId)
  }

  /** Claims `key` for `ttlMs` within this process (every core sharing this cache): `false` while claimed. */
  claim(key: string, ttlMs: number): boolean {
    const now = this.#clock()
    // Claims are rare (one per signed_request): pruning them all here keeps the map small.
    for (const [claimed, until] of this.#claims) if (until <= now) this.#claims.delete(claimed)
    if (this.#claims.has(key)) return false
    this.#claims.set(key, now + ttlMs)
    return true
  }

  /** Ends a claim early. */
  release(key: string): void {
    this.#claims.delete(key)
  }

  close(): void {
    this.#entries.clear()
    this.#rejected.clear()
    this.#byUser.clear()
    this.#claims.clear()
  }
}
