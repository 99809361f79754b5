import { createTokens, isTokens, type Tokens, type TokensOptions } from '@tokens/core'
import type { RequestHandler } from 'express'
import { type ExpressAdapterOptions, rememberOptions } from './adapter-options.js'
import { authenticateRequest, middlewares, requirements } from './authenticate-request.js'
import { handleFailure } from './send-token-error.js'

/**
 * Options of {@link tokens}: the core's options (`appId`, `appSecret`, `graphUrl`, `tokenSources`,
 * `cache`, …) plus the adapter's `onError` and `allowInsecure`.
 *
 * @example
 * ```ts
 * const options: TokensMiddlewareOptions = {
 *   appId: process.env.FB_APP_ID!,
 *   appSecret: process.env.FB_APP_SECRET!,
 *   tokenSources: { header: true },
 * }
 * ```
 */
export type TokensMiddlewareOptions = TokensOptions & ExpressAdapterOptions

function split(source: TokensMiddlewareOptions | Tokens, extra: ExpressAdapterOptions) {
  if (typeof source !== 'object' || source === null) throw new TypeError('tokens(): pass options or a Tokens instance')
  if (isTokens(source)) return { core: source, adapter: extra }
  const { onError, allowInsecure, ...coreOptions } = source
  return {
    core: createTokens(coreOptions),
    adapter: { onError: extra.onError ?? onError, allowInsecure: extra.allowInsecure ?? allowInsecure },
  }
}

/**
 * Verifies the request's token when there is one and sets `req.token` (`AccessToken | undefined`)
 * and `req.tokens` (the core instance). A request without a token passes through; a bad token,
 * a token sent twice or over plain HTTP in production is rejected with the core's status, headers
 * and body. The core is built once, here.
 *
 * @example
 * ```ts
 * import express from 'express'
 * import { requireToken, tokens } from '@tokens/express'
 *
 * const app = express()
 * app.use(tokens({ appId: process.env.FB_APP_ID!, appSecret: process.env.FB_APP_SECRET! }))
 * app.get('/me', (req, res) => { res.json({ signedIn: req.token !== undefined }) })
 * app.get('/page', requireToken('page').handle((req, res) => { res.json({ pageId: req.token.pageId }) }))
 * ```
 */
export function tokens(
  options: TokensMiddlewareOptions | Tokens,
  adapterOptions: ExpressAdapterOptions = {},
): RequestHandler {
  const { core, adapter } = split(options, adapterOptions)
  const optional = requirements({})
  middlewares.created++
  return (req, res, next) => {
    rememberOptions(req, adapter)
    authenticateRequest(core, req, optional, adapter.allowInsecure, next, (error) =>
      handleFailure(error, req, res, next, adapter),
    )
  }
}
