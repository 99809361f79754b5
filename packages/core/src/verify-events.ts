import { eventChannelActive } from './diagnostics.js'
import type { TokenError } from './errors.js'
import type { TokensEvent } from './events.js'
import type { VerificationSpan } from './telemetry.js'
import type { AccessToken } from './token.js'

/**
 * The `verify` events of the verifier, built only while someone listens (`onEvent` or the
 * diagnostics channel): the hot path builds none otherwise. Tokens are named by the first 12 hex
 * digits of their SHA-256. A verification's OpenTelemetry span, when it has one, ends here too.
 */
export class VerifyEvents {
  readonly #emit: (event: TokensEvent) => void
  readonly #clock: () => number
  readonly #listening: boolean

  constructor(emit: (event: TokensEvent) => void, clock: () => number, listening: boolean) {
    this.#emit = emit
    this.#clock = clock
    this.#listening = listening
  }

  /** Whether an event would reach anyone now. */
  get active(): boolean {
    return this.#listening || eventChannelActive()
  }

  /** Reports an accepted token; returns it. */
  valid(
    token: AccessToken,
    hash: string,
    cached: boolean,
    started: number,
    local = false,
    span?: VerificationSpan,
  ): AccessToken {
    span?.valid(token.type, hash.slice(0, 12), cached, local)
    if (this.active) {
      this.#emit({
        type: 'verify',
        outcome: 'valid',
        cached,
        ...(local ? { local } : {}),
        durationMs: this.#clock() - started,
        fingerprint: hash.slice(0, 12),
        tokenType: token.type,
      })
    }
    return token
  }

  /** Reports a refused token; returns the error. */
  rejected(
    error: TokenError,
    hash: string,
    cached: boolean,
    started: number,
    local = false,
    span?: VerificationSpan,
  ): TokenError {
    span?.rejected(error, hash.slice(0, 12), cached, local)
    if (this.active) {
      this.#emit({
        type: 'verify',
        outcome: 'rejected',
        cached,
        ...(local ? { local } : {}),
        durationMs: this.#clock() - started,
        fingerprint: hash.slice(0, 12),
        code: error.code,
        ...(error.reason === undefined ? {} : { reason: error.reason }),
      })
    }
    return error
  }
}
