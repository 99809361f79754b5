import type { Tokens, TokensOptions } from '@tokens/core'
import { toTokens } from '@tokens/core/adapter'
import type { NextFunction, Request, Response } from 'express'
import { type ExpressAdapterOptions, optionsFor } from './adapter-options.js'
import { handleFailure } from './send-token-error.js'
import { signedRequestOf } from './signed-request-body.js'

/**
 * Options shared by {@link deauthorizeCallback} and {@link dataDeletionCallback}.
 *
 * @example
 * ```ts
 * import { createTokens } from '@tokens/core'
 * const options: CallbackOptions = { tokens: createTokens({ appId, appSecret }) }
 * ```
 */
export interface CallbackOptions extends Pick<ExpressAdapterOptions, 'onError'> {
  /** The core that checks the `signed_request` and revokes the user. @default `req.tokens`, set by `tokens()` */
  tokens?: Tokens | TokensOptions
}

/**
 * Builds a callback handler: finds the core, reads `signed_request` (parsing the form body if no
 * parser ran), runs `act`, and routes failures (a `TokenError` → its response, anything else → `next`).
 */
export function signedRequestHandler(
  name: string,
  options: CallbackOptions,
  act: (core: Tokens, signedRequest: unknown, res: Response) => Promise<void>,
) {
  const fixed = options.tokens === undefined ? undefined : toTokens(options.tokens, `${name}()`)
  return (req: Request, res: Response, next: NextFunction): void => {
    const core = fixed ?? req.tokens
    if (core === undefined) {
      next(new TypeError(`${name}(): use tokens() before it, or pass the \`tokens\` option`))
      return
    }
    signedRequestOf(req)
      .then((signedRequest) => act(core, signedRequest, res))
      .catch((error: unknown) => handleFailure(error, req, res, next, optionsFor(req, options), core))
  }
}
