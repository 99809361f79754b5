import type { AccessToken, PageToken, Tokens, UserToken } from '@tokens/core'
import Fastify from 'fastify'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { type TokenRoute, tokens } from '../src/index.js'

describe('types', () => {
  it('a handler behind requireToken(T) sees the token class of T, without a cast', async () => {
    const app = Fastify()
    await app.register(tokens, { appId: '1234', appSecret: 'app-secret-value' })
    expectTypeOf(app.tokens).toEqualTypeOf<Tokens>()
    app.get('/page', { preHandler: app.requireToken('page') }, async (request) => {
      expectTypeOf(request.token).toEqualTypeOf<PageToken>()
      return { pageId: request.token.pageId }
    })
    app.get('/user', { preHandler: app.requireToken('user', { scopes: ['email'] }) }, async (request) => {
      expectTypeOf(request.token).toEqualTypeOf<UserToken>()
      return { userId: request.token.userId }
    })
    app.get('/either', { preHandler: app.requireToken(['user', 'system_user']) }, async (request) => {
      expectTypeOf(request.token.userId).toEqualTypeOf<string>()
      return {}
    })
    app.get('/any', { preHandler: app.requireToken() }, async (request) => {
      expectTypeOf(request.token).toEqualTypeOf<AccessToken>()
      return {}
    })
    app.get('/optional', async (request) => {
      expectTypeOf(request.token).toEqualTypeOf<AccessToken | undefined>()
      expectTypeOf(request.tokens).toEqualTypeOf<Tokens>()
      return {}
    })
    app.post<TokenRoute<'page'> & { Body: { message: string } }>(
      '/posts',
      { preHandler: app.requireToken('page') },
      async (request) => {
        expectTypeOf(request.token).toEqualTypeOf<PageToken>()
        expectTypeOf(request.body.message).toEqualTypeOf<string>()
        return {}
      },
    )
    // @ts-expect-error a type that does not exist
    expect(() => app.requireToken('pgae')).toThrow(/type must be one of user, page/)
    await app.close()
  })
})
