const WINDOW_MS = 60_000

/**
 * Counts `debug_token` calls in fixed one-minute windows of the core's clock, so that a flood of
 * unknown tokens costs at most `perMinute` Graph calls per minute and process, whatever Graph's own
 * budget is. Tokens in the cache never reach it.
 */
export class VerificationRate {
  readonly #perMinute: number
  #windowStart = Number.NEGATIVE_INFINITY
  #used = 0

  constructor(perMinute: number) {
    this.#perMinute = perMinute
  }

  /** Takes one call from the current window; `false` when the window is spent. */
  take(now: number): boolean {
    if (this.#perMinute === Number.POSITIVE_INFINITY) return true
    if (now - this.#windowStart >= WINDOW_MS || now < this.#windowStart) {
      this.#windowStart = now
      this.#used = 0
    }
    if (this.#used >= this.#perMinute) return false
    this.#used++
    return true
  }

  /** Whole seconds until the current window ends (at least 1). */
  retryAfterSeconds(now: number): number {
    return Math.max(1, Math.ceil((this.#windowStart + WINDOW_MS - now) / 1000))
  }
}
