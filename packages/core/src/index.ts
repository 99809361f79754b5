export type { PageTokenOptions } from './acquisition.js'
export {
  type CachedVerification,
  type LruCacheOptions,
  LruVerificationCache,
  type VerificationCache,
} from './cache.js'
export { TOKENS_ERROR_CHANNEL, TOKENS_EVENT_CHANNEL } from './diagnostics.js'
export {
  createTokenCipher,
  type EncryptionOptions,
  openStoredValue,
  type StoredTokenIdentity,
  sealStoredValue,
  type TokenCipher,
} from './encryption.js'
export {
  type AnyTokenError,
  type InvalidTokenReason,
  isTokenError,
  isTokensError,
  type ReasonOf,
  STATUS,
  TokenError,
  type TokenErrorBody,
  type TokenErrorCode,
  type TokenErrorDetails,
  type TokenErrorResponse,
  type TokenErrorStatus,
  TokensError,
} from './errors.js'
export type { TokensEvent, TokensEventType } from './events.js'
export { type ExtractOptions, extractToken, type RequestLike, type TokenSources } from './extract.js'
export { classifyGraphError, GraphApiError, type GraphErrorCategory } from './graph-api-error.js'
export { GraphClient, type GraphParam, type GraphRequestOptions, type RetryOptions } from './graph-client.js'
export { LIMITED_LOGIN_DEFAULTS, type LimitedLoginOptions } from './limited-login-options.js'
export { MemoryNonceStore, type MemoryNonceStoreOptions, type NonceStore } from './nonce-store.js'
export { DEFAULTS, type TokensOptions } from './options.js'
export { refusedCredentials } from './outage.js'
export { appsecretProof } from './proof.js'
export type { TokenRequirement } from './requirement.js'
export { parseSignedRequest, type SignedRequestOptions, type SignedRequestPayload } from './signed-request.js'
export type { DataDeletionAnswer, DataDeletionOptions } from './signed-request-callbacks.js'
export {
  MemoryStore,
  type MemoryStoreOptions,
  type StoredToken,
  type StoredTokenKind,
  type TokenStore,
} from './store.js'
export {
  type AccessToken,
  AppToken,
  ClientToken,
  type GranularScope,
  isAccessToken,
  type LimitedLoginClaims,
  type LimitedLoginPlace,
  LimitedLoginToken,
  PageToken,
  redact,
  SystemUserToken,
  type TokenInfo,
  type TokenLifetime,
  type TokenOfType,
  type TokenType,
  tokenFromInfo,
  UserToken,
} from './token.js'
export { type AuthenticateOptions, createTokens, Tokens, type VerifyOptions } from './tokens.js'
export type { AppUsage, BusinessUseCaseUsage, GraphUsage } from './usage.js'
