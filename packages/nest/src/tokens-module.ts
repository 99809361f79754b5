import { type DynamicModule, Module, type Provider } from '@nestjs/common'
import { APP_FILTER } from '@nestjs/core'
import type { Tokens, TokensOptions } from '@tokens/core'
import { isTokens } from '@tokens/core/adapter'
import { TokenErrorFilter } from './token-error-filter.js'
import {
  httpsPolicy,
  TOKENS_HTTPS_POLICY,
  TOKENS_MODULE_OPTIONS,
  type TokensModuleAsyncOptions,
  type TokensModuleOptions,
} from './tokens-module-options.js'
import { TokensService } from './tokens-service.js'

/** Builds the core from options; an instance passed in is used as is (and closed by its owner). */
function createService(options: TokensOptions | Tokens): TokensService {
  return isTokens(options) ? (options as TokensService) : new TokensService(options)
}

function tokensModule(
  flags: { isGlobal?: boolean | undefined; allowInsecure?: boolean | undefined },
  options: Provider,
  imports: DynamicModule['imports'] = [],
) {
  return {
    module: TokensModule,
    global: flags.isGlobal ?? false,
    imports,
    providers: [
      options,
      { provide: TokensService, useFactory: createService, inject: [TOKENS_MODULE_OPTIONS] },
      { provide: TOKENS_HTTPS_POLICY, useFactory: () => httpsPolicy(flags.allowInsecure) },
      { provide: APP_FILTER, useClass: TokenErrorFilter },
    ],
    exports: [TokensService, TOKENS_HTTPS_POLICY],
  } satisfies DynamicModule
}

/**
 * Provides `TokensService` (the core, built once) and installs the filter that answers token
 * rejections with the core's status, headers and body. Closes the core on application shutdown.
 *
 * @example
 * ```ts
 * import { Module } from '@nestjs/common'
 * import { APP_GUARD } from '@nestjs/core'
 *
 * @Module({
 *   imports: [TokensModule.forRoot({ appId: process.env.FB_APP_ID!, appSecret: process.env.FB_APP_SECRET!, isGlobal: true })],
 *   providers: [{ provide: APP_GUARD, useClass: TokenGuard }],
 * })
 * class AppModule {}
 * ```
 */
@Module({})
// biome-ignore lint/complexity/noStaticOnlyClass: a Nest dynamic module is a class with static factories
export class TokensModule {
  /**
   * The module, from the core's options. Caller mistakes (a missing `appSecret`) throw a `TypeError`
   * when the application starts.
   *
   * @example
   * ```ts
   * TokensModule.forRoot({ appId: '1234', appSecret: process.env.FB_APP_SECRET! })
   * ```
   */
  static forRoot(options: TokensModuleOptions): DynamicModule {
    const { isGlobal, allowInsecure, ...tokensOptions } = options
    return tokensModule({ isGlobal, allowInsecure }, { provide: TOKENS_MODULE_OPTIONS, useValue: tokensOptions })
  }

  /**
   * The module, from options built by a factory (configuration, secrets managers).
   *
   * @example
   * ```ts
   * import { readFile } from 'node:fs/promises'
   * TokensModule.forRootAsync({
   *   useFactory: async () => ({
   *     appId: process.env.FB_APP_ID!,
   *     appSecret: (await readFile('/run/secrets/fb_app_secret', 'utf8')).trim(),
   *   }),
   * })
   * ```
   */
  static forRootAsync(options: TokensModuleAsyncOptions): DynamicModule {
    const provider: Provider = {
      provide: TOKENS_MODULE_OPTIONS,
      useFactory: options.useFactory as (...args: unknown[]) => TokensOptions | Tokens,
      inject: options.inject ?? [],
    }
    return tokensModule(options, provider, options.imports)
  }
}
