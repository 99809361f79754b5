/**
 * Shares identical values between cached verifications: most tokens of an app carry the same few
 * scope sets and the same app id, so each is kept once instead of once per cached token. Bounded, so
 * a stream of unusual values cannot grow it without limit (past the bound values are just not shared).
 */
export class Interner<T> {
  readonly #values = new Map<string, T>()
  readonly #max: number

  constructor(max: number) {
    this.#max = max
  }

  /** The shared copy of `value`, known by `key`. */
  intern(key: string, value: T): T {
    const known = this.#values.get(key)
    if (known !== undefined) return known
    if (this.#values.size < this.#max) this.#values.set(key, value)
    return value
  }
}
