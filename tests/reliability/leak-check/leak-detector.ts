import { createHash, createHmac } from 'node:crypto'
import { onIssuedSecret } from '@tokens/emulator'

/** Values shorter than this are too common to search for (ids, small numbers). */
const MIN_SECRET_LENGTH = 8

/** A short name for a secret that does not give it away: the first 12 hex digits of its SHA-256. */
export function fingerprintOf(secret: string): string {
  return createHash('sha256').update(secret).digest('hex').slice(0, 12)
}

/**
 * Remembers every raw token, secret and code the emulators of this process issue (through the
 * emulator's `onIssuedSecret` hook) and finds them in any text. Its messages name a leaked value
 * by fingerprint only, so a failure report is not itself a leak.
 */
export class LeakDetector {
  readonly #secrets = new Set<string>()
  readonly #stop: () => void

  constructor() {
    this.#stop = onIssuedSecret((secret) => this.remember(secret))
  }

  /** How many distinct values are watched. */
  get size(): number {
    return this.#secrets.size
  }

  /** Watches `secret` too (and the secret half of an `{app_id}|{secret}` token). */
  remember(secret: string): void {
    if (secret.length >= MIN_SECRET_LENGTH) this.#secrets.add(secret)
    const bar = secret.indexOf('|')
    if (bar >= 0 && secret.length - bar - 1 >= MIN_SECRET_LENGTH) this.#secrets.add(secret.slice(bar + 1))
  }

  /** The fingerprints of the watched values found in `text`. */
  find(text: string): string[] {
    const found: string[] = []
    if (text.length < MIN_SECRET_LENGTH) return found
    for (const secret of this.#secrets) if (text.includes(secret)) found.push(fingerprintOf(secret))
    return found
  }

  /**
   * The fingerprints of what the watched values give away, found in `text`: each one's full SHA-256
   * (hex), and the `appsecret_proof` (HMAC-SHA256 in hex) of every value keyed by every other, which
   * covers each token's proof under each app secret. For texts that must not hold them either, such
   * as exported telemetry.
   */
  findDerived(text: string): string[] {
    const values = [...this.#secrets]
    const found: string[] = []
    for (const value of values) {
      if (text.includes(createHash('sha256').update(value).digest('hex'))) found.push(fingerprintOf(value))
      for (const key of values) {
        if (key !== value && text.includes(createHmac('sha256', key).update(value).digest('hex'))) {
          found.push(fingerprintOf(value))
        }
      }
    }
    return found
  }

  /** Throws when a watched value is in `text`, naming `where` and the value's fingerprint. */
  assertClean(text: string, where: string, derived = false): void {
    const found = derived ? [...this.find(text), ...this.findDerived(text)] : this.find(text)
    if (found.length > 0) {
      throw new Error(
        `Leak check: ${found.length} issued token(s)/secret(s) appeared in ${where} (sha256 ${found.join(', ')})`,
      )
    }
  }

  /** Stops watching newly issued values. */
  close(): void {
    this.#stop()
  }
}
