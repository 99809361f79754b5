import type { FactoryProvider, ModuleMetadata } from '@nestjs/common'
import type { Tokens, TokensOptions } from '@tokens/core'
import { HttpsPolicy } from '@tokens/core/adapter'

/**
 * Options of {@link TokensModule.forRoot}: the core's `TokensOptions`, plus `isGlobal`.
 *
 * @example
 * ```ts
 * const options: TokensModuleOptions = { appId: '1234', appSecret: process.env.FB_APP_SECRET!, isGlobal: true }
 * ```
 */
export interface TokensModuleOptions extends TokensOptions {
  /** Make `TokensService` injectable in every module without importing `TokensModule` again. @default false */
  isGlobal?: boolean
  /**
   * Accept tokens over plain HTTP when `NODE_ENV` is `production` (Meta requires tokens to move over
   * HTTPS). Behind a TLS-terminating proxy, trust the proxy instead (Express `trust proxy`, Fastify
   * `trustProxy`). @default false
   */
  allowInsecure?: boolean
}

/**
 * Options of {@link TokensModule.forRootAsync}: a factory of the core's options (or of a core instance
 * you built yourself, which you then close yourself), with its `imports` and `inject`.
 *
 * @example
 * ```ts
 * import { createTokens } from '@tokens/core'
 * const core = createTokens({ appId, appSecret }) // closed by you, not by the module
 * const options: TokensModuleAsyncOptions = { useFactory: () => core, isGlobal: true }
 * ```
 */
export interface TokensModuleAsyncOptions {
  /** Modules whose providers the factory needs. @default [] */
  imports?: ModuleMetadata['imports']
  /** Providers passed to `useFactory`, in order. @default [] */
  inject?: FactoryProvider['inject']
  /** Builds the core's options, or returns a core instance (not closed by the module). */
  useFactory: (...args: never[]) => TokensOptions | Tokens | Promise<TokensOptions | Tokens>
  /** Make `TokensService` injectable in every module. @default false */
  isGlobal?: boolean
  /** Accept tokens over plain HTTP in production: see {@link TokensModuleOptions.allowInsecure}. @default false */
  allowInsecure?: boolean
}

/** Injection token of the resolved module options (internal). */
export const TOKENS_MODULE_OPTIONS = Symbol('@tokens/nest options')

/** The core's HTTPS policy with the module's `allowInsecure`, and whether the app runs in production. */
export interface ModuleHttpsPolicy {
  policy: HttpsPolicy
  /** `NODE_ENV` is `production`, read once at startup. */
  production: boolean
}

/** Injection token of the module's {@link ModuleHttpsPolicy} (internal). */
export const TOKENS_HTTPS_POLICY = Symbol('@tokens/nest HTTPS policy')

/** The core's policy: tokens come over HTTPS in production (`NODE_ENV`, read at startup), unless `allowInsecure`. */
export function httpsPolicy(allowInsecure: boolean | undefined): ModuleHttpsPolicy {
  return { policy: new HttpsPolicy({ allowInsecure }), production: HttpsPolicy.production() }
}
