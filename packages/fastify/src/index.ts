export type {} from './augment.js'
export { logSerializers } from './log-serializers.js'
export { type MetaCallbacksOptions, metaCallbacks } from './meta-callbacks.js'
export type {
  RequireToken,
  RequireTokenHook,
  RequireTokenOptions,
  TokenRoute,
} from './require-token.js'
export { sendTokenError } from './send-token-error.js'
export { type FastifyAdapterOptions, type TokensPluginOptions, tokens } from './tokens-plugin.js'
