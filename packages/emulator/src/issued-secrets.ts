/**
 * A function told of every secret value the emulator hands out.
 *
 * @example
 * ```ts
 * import { type IssuedSecretListener, onIssuedSecret, seedDemo } from '@tokens/emulator'
 * const issued = new Set<string>()
 * const remember: IssuedSecretListener = (secret) => {
 *   issued.add(secret)
 * }
 * const stop = onIssuedSecret(remember)
 * const seed = seedDemo(emu)
 * stop()
 * issued.has(seed.userToken) // true: search the test output for every value in `issued`
 * ```
 */
export type IssuedSecretListener = (secret: string) => void

// Kept on `globalThis` under a registered symbol, so that every copy of the emulator in a process (ESM
// and CJS builds, sources loaded by a test runner) reports to the same listeners.
const REGISTRY = Symbol.for('@tokens/emulator.issued-secret-listeners')

function listeners(): Set<IssuedSecretListener> {
  const scope = globalThis as { [REGISTRY]?: Set<IssuedSecretListener> }
  scope[REGISTRY] ??= new Set()
  return scope[REGISTRY]
}

/**
 * Calls `listener` with every raw token, app secret, client token and authorization code any emulator
 * in this process issues from now on, so that a test suite can assert that none of them ever reaches
 * its logs, answers or errors. Returns a function that removes the listener.
 *
 * @example
 * ```ts
 * import { onIssuedSecret } from '@tokens/emulator'
 * const issued = new Set<string>()
 * const stop = onIssuedSecret((secret) => issued.add(secret))
 * // … run the tests, then search their output for every value in `issued`
 * stop()
 * ```
 */
export function onIssuedSecret(listener: IssuedSecretListener): () => void {
  if (typeof listener !== 'function') throw new TypeError('onIssuedSecret: listener must be a function')
  const set = listeners()
  set.add(listener)
  return () => {
    set.delete(listener)
  }
}

/** Reports `secret` to every listener and returns it; a failing listener does not fail the emulator. */
export function reportIssued(secret: string): string {
  for (const listener of listeners()) {
    try {
      listener(secret)
    } catch {
      // a listener's bug must not break token issuance
    }
  }
  return secret
}
