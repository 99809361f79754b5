import {
  type AccessToken,
  createTokens,
  type PageToken,
  type SystemUserToken,
  type Tokens,
  type UserToken,
} from '@tokens/core'
import express, { type Request, type RequestHandler } from 'express'
import { describe, expect, expectTypeOf, it } from 'vitest'
import {
  dataDeletionCallback,
  deauthorizeCallback,
  type RequireTokenHandler,
  requireToken,
  type TokenHandler,
  type TokenRequest,
  tokens,
} from '../src/index.js'

// These assertions are checked by `tsc --noEmit` (the package's typecheck script, which includes test/).
describe('types', () => {
  it('a handler behind requireToken(type) sees the token class without a cast', () => {
    const core = createTokens({ appId: '1', appSecret: 'not-a-real-secret' })
    const app = express()
    app.get(
      '/page',
      requireToken('page', { tokens: core }).handle((req, res) => {
        expectTypeOf(req.token).toEqualTypeOf<PageToken>()
        expectTypeOf(req.token.pageId).toEqualTypeOf<string>()
        expectTypeOf(req.tokens).toEqualTypeOf<Tokens>()
        res.json({ pageId: req.token.pageId })
      }),
    )
    requireToken(['user', 'system_user']).handle((req) => {
      expectTypeOf(req.token).toEqualTypeOf<UserToken | SystemUserToken>()
      expectTypeOf(req.token.userId).toEqualTypeOf<string>()
    })
    requireToken().handle((req) => expectTypeOf(req.token).toEqualTypeOf<AccessToken>())
    requireToken({ scopes: ['email'] }).handle((req) => expectTypeOf(req.token).toEqualTypeOf<AccessToken>())
    requireToken('user').handle((req) => {
      // @ts-expect-error a user token has no pageId
      void req.token.pageId
    })
    // @ts-expect-error not a token type (and, from plain JavaScript, a TypeError at startup)
    expect(() => requireToken('admin')).toThrow(TypeError)
    expect(app).toBeTypeOf('function')
  })

  it('TokenRequest and TokenHandler name the narrowed request', () => {
    expectTypeOf<TokenRequest<'page'>['token']>().toEqualTypeOf<PageToken>()
    expectTypeOf<TokenRequest<'user' | 'page'>['token']>().toEqualTypeOf<UserToken | PageToken>()
    expectTypeOf<TokenRequest['token']>().toEqualTypeOf<AccessToken>()
    expectTypeOf<TokenHandler<'page'>>().parameter(0).toEqualTypeOf<TokenRequest<'page'>>()
    expectTypeOf<TokenRequest<'page'>>().toExtend<Request>()
  })

  it('every factory returns an Express RequestHandler; the augmentation types req.token and req.tokens', () => {
    expectTypeOf(tokens).returns.toEqualTypeOf<RequestHandler>()
    expectTypeOf(requireToken('page')).toEqualTypeOf<RequireTokenHandler<'page'>>()
    expectTypeOf<RequireTokenHandler<'page'>>().toExtend<RequestHandler>()
    expectTypeOf(deauthorizeCallback).returns.toEqualTypeOf<RequestHandler>()
    expectTypeOf(dataDeletionCallback).returns.toEqualTypeOf<RequestHandler>()
    expectTypeOf<Request['token']>().toEqualTypeOf<AccessToken | undefined>()
    expectTypeOf<Request['tokens']>().toEqualTypeOf<Tokens | undefined>()
    // @ts-expect-error statusUrl and onDelete are required
    expect(() => dataDeletionCallback({})).toThrow("dataDeletionCallback(): option 'statusUrl' is required")
    // @ts-expect-error onDelete is required: the answer confirms a deletion to Meta
    expect(() => dataDeletionCallback({ statusUrl: 'https://example.com/deletion' })).toThrow(
      "dataDeletionCallback(): option 'onDelete' must be a function",
    )
  })
})
