import type { Tokens, TokensOptions } from '@tokens/core'
import { isTokens, RouteRequirement, toTokens } from '@tokens/core/adapter'
import type { RequestHandler } from 'express'
import { type ExpressAdapterOptions, rememberOptions } from './adapter-options.js'
import { middlewares, verifyRequest } from './authenticate-request.js'

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

/** The core (built once, here, from options) and the adapter's own options. */
function split(source: TokensMiddlewareOptions | Tokens, extra: ExpressAdapterOptions) {
  const core = toTokens(source, 'tokens()')
  if (isTokens(source)) return { core, adapter: extra }
  return {
    core,
    adapter: { onError: extra.onError ?? source.onError, allowInsecure: extra.allowInsecure ?? source.allowInsecure },
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
  const optional = new RouteRequirement({}, { required: false, caller: 'tokens()' })
  middlewares.created++
  return (req, res, next) => {
    rememberOptions(req, adapter)
    verifyRequest(core, req, res, next, optional, adapter)
  }
}
