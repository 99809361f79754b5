import { EXIT, type ExitCode } from './exit-codes.js'

/** What kind of failure a {@link CliFailure} is: decides its exit code. */
export type FailureKind = 'invalid_token' | 'usage' | 'unavailable' | 'internal'

const CODES: Readonly<Record<FailureKind, ExitCode>> = {
  invalid_token: EXIT.invalidToken,
  usage: EXIT.usage,
  unavailable: EXIT.unavailable,
  internal: EXIT.internal,
}

/**
 * A failure the tool reports as one line naming what to fix, with its exit code. Never holds a raw
 * token or secret in its message (the output scrubs them again anyway).
 */
export class CliFailure extends Error {
  override readonly name = 'CliFailure'
  readonly kind: FailureKind

  constructor(kind: FailureKind, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.kind = kind
  }

  get exitCode(): ExitCode {
    return CODES[this.kind]
  }
}

/** A usage or configuration mistake (exit 2). */
export function usage(message: string, cause?: unknown): CliFailure {
  return new CliFailure('usage', message, cause === undefined ? undefined : { cause })
}

/** Graph or a store could not be reached (exit 3). */
export function unavailable(message: string, cause?: unknown): CliFailure {
  return new CliFailure('unavailable', message, cause === undefined ? undefined : { cause })
}
