import type { TokensOptions } from '../options.js'
import { createTokens, isTokens, type Tokens } from '../tokens.js'

/**
 * The core an adapter works with: the instance it was given (shared with other adapters), or one
 * built once, at startup, from options. Anything else is a `TypeError` naming `caller`. Options of the
 * adapter's own (`onError`, `allowInsecure`, `type`…) may sit beside the core's: the core reads only
 * its own.
 *
 * @example
 * ```ts
 * import { toTokens } from '@tokens/core/adapter'
 * const core = toTokens({ appId: '1234', appSecret: 'app-secret-value' }, 'myAdapter()')
 * toTokens(core, 'myAdapter()') === core // true
 * ```
 */
export function toTokens(source: Tokens | TokensOptions, caller: string): Tokens {
  if (typeof source !== 'object' || source === null) {
    throw new TypeError(`${caller}: pass the core's options or a Tokens instance from createTokens()`)
  }
  return isTokens(source) ? source : createTokens(source)
}
