import type { ExecutionContext } from '@nestjs/common'
import type { AccessToken, PageToken, SystemUserToken, TokenOfType, UserToken } from '@tokens/core'
import { describe, expect, expectTypeOf, it } from 'vitest'
import {
  CurrentToken,
  RequireToken,
  type RequireTokenDecorator,
  type TokenGuard,
  type TokenRequest,
  TokensModule,
  type TokensModuleAsyncOptions,
} from '../src/index.js'

describe('types', () => {
  it('carries the required type into the decorator', () => {
    expectTypeOf(RequireToken('page')).toEqualTypeOf<RequireTokenDecorator<'page'>>()
    expectTypeOf(RequireToken(['user', 'system_user'])).toEqualTypeOf<RequireTokenDecorator<'user' | 'system_user'>>()
    expectTypeOf<TokenOfType<'page'>>().toEqualTypeOf<PageToken>()
    // @ts-expect-error: not a token type
    expect(() => RequireToken('pgae')).toThrow(TypeError)
    // @ts-expect-error: scopes are strings
    expect(() => RequireToken('page', { scopes: [1] })).toThrow(TypeError)
    // @ts-expect-error: not a token type
    expect(() => RequireToken(['user', 'pgae'])).toThrow('@RequireToken: type must be one of user, page')
  })

  it('refuses, at compile time, a handler whose token parameter cannot hold the required tokens', () => {
    class Handlers {
      @RequireToken('page')
      page(@CurrentToken() token: PageToken) {
        return token.pageId
      }

      @RequireToken(['user', 'system_user'])
      people(@CurrentToken() token: UserToken | SystemUserToken) {
        return token.userId
      }

      @RequireToken('page')
      anyToken(@CurrentToken() token: AccessToken, _other: string) {
        return token.type
      }

      // @ts-expect-error: a page route cannot hand its handler a UserToken
      @RequireToken('page')
      wrong(@CurrentToken() token: UserToken) {
        return token.userId
      }

      // @ts-expect-error: a route that accepts every type cannot promise a PageToken
      @RequireToken()
      tooNarrow(@CurrentToken() token: PageToken) {
        return token.pageId
      }

      // @ts-expect-error: a user-or-page route cannot promise a UserToken
      @RequireToken(['user', 'page'])
      half(@CurrentToken() token: UserToken) {
        return token.userId
      }
    }
    expect(typeof Handlers).toBe('function')
  })

  it('decorates controllers too', () => {
    @RequireToken('user')
    class Controller {}
    expect(typeof Controller).toBe('function')
  })

  it('types the factory options, the guard override and the request', () => {
    expectTypeOf<TokensModuleAsyncOptions['useFactory']>().returns.toMatchTypeOf<unknown>()
    expectTypeOf(TokensModule.forRootAsync).parameter(0).toEqualTypeOf<TokensModuleAsyncOptions>()
    expectTypeOf<TokenGuard['getRequest']>().toEqualTypeOf<(context: ExecutionContext) => TokenRequest>()
    expectTypeOf<TokenRequest['token']>().toEqualTypeOf<AccessToken | undefined>()
    TokensModule.forRootAsync({
      inject: ['CONFIG'],
      useFactory: (config: { appId: string; appSecret: string }) => ({
        appId: config.appId,
        appSecret: config.appSecret,
      }),
    })
  })
})
