export type { ExpressAdapterOptions, TokenErrorHandler } from './adapter-options.js'
export type {} from './augment.js'
export type { CallbackOptions } from './callback-options.js'
export { type DataDeletionCallbackOptions, dataDeletionCallback } from './data-deletion-callback.js'
export { type DeauthorizeCallbackOptions, deauthorizeCallback } from './deauthorize-callback.js'
export {
  type RequireTokenHandler,
  type RequireTokenOptions,
  requireToken,
  type TokenHandler,
  type TokenRequest,
} from './require-token.js'
export { sendTokenError } from './send-token-error.js'
export { type TokensMiddlewareOptions, tokens } from './tokens-middleware.js'
