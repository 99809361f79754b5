export { type TokensErrorHandler, tokensErrorHandler } from './error-handler.js'
export {
  DEFAULT_DIALOG_URL,
  type FacebookLoginOptions,
  type FacebookLoginOptionsWithRequest,
} from './facebook-login-options.js'
export {
  type FacebookLoginAuthenticateOptions,
  type FacebookLoginDone,
  FacebookLoginStrategy,
  type FacebookLoginVerify,
  type FacebookLoginVerifyWithRequest,
} from './facebook-login-strategy.js'
export {
  type GraphTokenDone,
  type GraphTokenRequirementOptions,
  GraphTokenStrategy,
  type GraphTokenStrategyOptions,
  type GraphTokenStrategyOptionsWithRequest,
  type GraphTokenVerify,
  type GraphTokenVerifyWithRequest,
} from './graph-token-strategy.js'
