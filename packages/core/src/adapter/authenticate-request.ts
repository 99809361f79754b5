import type { RequestLike } from '../extract.js'
import type { TokenOfType, TokenType } from '../token.js'
import type { AuthenticateOptions, Tokens } from '../tokens.js'

/**
 * The core's `authenticate` in the shape a middleware needs: `done(null, token)` or `done(error)`,
 * called **synchronously** when the core can answer at once (no token, a token in the in-process
 * cache, a local refusal), so a warm request costs no promise and no extra tick; later when Graph or
 * an asynchronous cache must be asked. `error` is always a `TokenError`.
 *
 * @example
 * ```ts
 * import { authenticateRequest } from '@tokens/core/adapter'
 * import { createTokens } from '@tokens/core'
 * const core = createTokens({ appId: '1234', appSecret: 'app-secret-value' })
 * authenticateRequest(core, { headers: {} }, { required: false }, (error, token) => {
 *   console.log(error ?? token) // undefined: no token, nothing required
 * })
 * ```
 */
export function authenticateRequest<T extends TokenType>(
  core: Tokens,
  req: RequestLike,
  options: AuthenticateOptions<T>,
  done: (error: unknown, token?: TokenOfType<T>) => void,
): void {
  let result: ReturnType<Tokens['tryAuthenticate']>
  try {
    result = core.tryAuthenticate(req, options)
  } catch (error) {
    done(error)
    return
  }
  if (result instanceof Promise) {
    result.then(
      (token) => done(null, token as TokenOfType<T> | undefined),
      (error: unknown) => done(error),
    )
    return
  }
  done(null, result as TokenOfType<T> | undefined)
}
