import type { CachedVerification } from './cache.js'
import { type DebugTokenVerdict, REASON_DESCRIPTIONS } from './debug-token.js'
import type { ResolvedOptions } from './options.js'

/**
 * How long a verification is trusted: what the core writes to the cache for a Graph verdict, and
 * whether an entry past its freshness may still serve while Graph fails. Times are ms of the core's
 * clock. Knows nothing of requests or of Graph.
 */
export class CachePolicy {
  readonly #options: ResolvedOptions

  constructor(options: ResolvedOptions) {
    this.#options = options
  }

  /**
   * The cache entry of a verdict: a valid verification is fresh until `min(expires_at,
   * data_access_expires_at, now + cacheTtlSeconds)` and kept for outages up to `staleOnOutageSeconds`
   * (never past its expiry); a rejection, another app's token, or a token expired by our clock is
   * remembered for `rejectionTtlSeconds`.
   */
  entryOf(verdict: DebugTokenVerdict, now: number): CachedVerification {
    const { acceptAppIds, appId, cacheTtlSeconds, rejectionTtlSeconds, staleOnOutageSeconds } = this.#options
    const cacheTtlMs = cacheTtlSeconds * 1000
    const rejectionTtlMs = rejectionTtlSeconds * 1000
    const staleOnOutageMs = staleOnOutageSeconds * 1000
    const rejected = (reason: 'wrong_app' | 'expired', userId: string | undefined): CachedVerification => ({
      outcome: 'rejected',
      reason,
      description: REASON_DESCRIPTIONS[reason],
      ...(userId === undefined ? {} : { userId }),
      verifiedAt: now,
      freshUntil: now + rejectionTtlMs,
      keepUntil: now + rejectionTtlMs,
    })
    if (verdict.outcome === 'rejected') {
      const until = now + rejectionTtlMs
      return { ...verdict, verifiedAt: now, freshUntil: until, keepUntil: until }
    }
    const { info } = verdict
    if (info.appId !== appId && !acceptAppIds.has(info.appId)) return rejected('wrong_app', info.userId)
    const limit = Math.min(
      info.expiresAt ?? Number.POSITIVE_INFINITY,
      info.dataAccessExpiresAt ?? Number.POSITIVE_INFINITY,
    )
    // Valid for Graph, expired by our clock (or its data access is over): a rejection like any other,
    // remembered for rejectionTtlSeconds, not a Graph call on every request.
    if (limit <= now) return rejected('expired', info.userId)
    return {
      outcome: 'valid',
      info,
      verifiedAt: now,
      freshUntil: Math.min(limit, now + cacheTtlMs),
      keepUntil: Math.min(limit, now + Math.max(cacheTtlMs, staleOnOutageMs)),
    }
  }

  /** Whether an entry may answer without asking Graph. */
  isFresh(entry: CachedVerification, now: number): boolean {
    return entry.freshUntil > now
  }

  /**
   * Whether a valid entry past its freshness may still serve while Graph fails: verified within
   * `staleOnOutageSeconds`, and not past what the cache keeps.
   */
  mayServeStale(
    entry: CachedVerification | undefined,
    now: number,
  ): entry is CachedVerification & { outcome: 'valid' } {
    return (
      entry?.outcome === 'valid' &&
      entry.keepUntil > now &&
      entry.verifiedAt + this.#options.staleOnOutageSeconds * 1000 > now
    )
  }
}
