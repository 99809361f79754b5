// `@tokens/passport/graph-token`: the bearer-token strategy alone, for APIs that never run the
// Facebook Login flow. It does not load passport-facebook, so that peer dependency can stay uninstalled.
export { type TokensErrorHandler, tokensErrorHandler } from './error-handler.js'
export {
  type GraphTokenDone,
  type GraphTokenRequirementOptions,
  GraphTokenStrategy,
  type GraphTokenStrategyOptions,
  type GraphTokenStrategyOptionsWithRequest,
  type GraphTokenVerify,
  type GraphTokenVerifyWithRequest,
} from './graph-token-strategy.js'
