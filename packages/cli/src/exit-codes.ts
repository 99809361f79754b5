/**
 * The exit codes of the `tokens` binary, one meaning each, so that scripts can branch on them.
 *
 * @example
 * ```ts
 * import { EXIT } from '@tokens/cli'
 * const code: number = EXIT.invalidToken // 1: Graph refuses the token (or one of the stored tokens)
 * ```
 */
export const EXIT = Object.freeze({
  /** Done; every token looked at is valid. */
  ok: 0,
  /** A token is invalid: `debug` of a refused token, `list --check` with refused tokens left in the store. */
  invalidToken: 1,
  /** Usage or configuration: a bad flag, a missing app secret, a bad store URL or key, a malformed token, credentials Graph refuses. */
  usage: 2,
  /** Graph or the store could not be reached (down, timing out, throttling): try again later. */
  unavailable: 3,
  /** A bug of the tool: run again with `--debug` and report it. */
  internal: 70,
  /** Interrupted (Ctrl+C). */
  interrupted: 130,
})

/**
 * One of the {@link EXIT} codes.
 *
 * @example
 * ```ts
 * import { EXIT, type ExitCode, run } from '@tokens/cli'
 * const code: ExitCode = await run(['list', '--store', 'tokens.db', '--check'])
 * if (code === EXIT.unavailable) console.log('Graph or the store is down: try again later')
 * ```
 */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT]
