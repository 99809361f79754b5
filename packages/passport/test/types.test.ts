import {
  type AccessToken,
  createTokens,
  type PageToken,
  type SystemUserToken,
  type Tokens,
  type UserToken,
} from '@tokens/core'
import type { Request } from 'express'
import type { Profile } from 'passport-facebook'
import { describe, expect, expectTypeOf, it } from 'vitest'
import {
  type FacebookLoginDone,
  FacebookLoginStrategy,
  type GraphTokenDone,
  GraphTokenStrategy,
  tokensErrorHandler,
} from '../src/index.js'

const tokens = createTokens({ appId: '1234', appSecret: 'app-secret-value' })
const login = { clientID: '1234', clientSecret: 'app-secret-value', callbackURL: 'http://localhost/cb', tokens }

describe('verify signatures', () => {
  it('graph-token: verify(token, done) with the token typed by `type`', () => {
    new GraphTokenStrategy({ tokens, type: 'page' }, (token, done) => {
      expectTypeOf(token).toEqualTypeOf<PageToken>()
      expectTypeOf(done).toEqualTypeOf<GraphTokenDone>()
      done(null, { pageId: token.pageId })
    })
    new GraphTokenStrategy({ tokens, type: ['user', 'system_user'] }, (token, done) => {
      expectTypeOf(token).toEqualTypeOf<UserToken | SystemUserToken>()
      done(null, { userId: token.userId })
    })
    new GraphTokenStrategy({ tokens }, (token, done) => {
      expectTypeOf(token).toEqualTypeOf<AccessToken>()
      done(null, false)
    })
  })

  it('graph-token: verify(req, token, done) with passReqToCallback', () => {
    new GraphTokenStrategy({ tokens, type: 'user', passReqToCallback: true }, (req, token, done) => {
      expectTypeOf(req).toEqualTypeOf<Request>()
      expectTypeOf(token).toEqualTypeOf<UserToken>()
      done(null, { userId: token.userId, ip: req.ip })
    })
    // @ts-expect-error passReqToCallback needs a verify function that takes the request
    expect(() => new GraphTokenStrategy({ tokens, passReqToCallback: true })).toThrow(TypeError)
    // @ts-expect-error a (req, token, done) verify needs passReqToCallback: true
    new GraphTokenStrategy({ tokens }, (_req: Request, _token: AccessToken, done: GraphTokenDone) => done(null, {}))
  })

  it('graph-token: options are the core options or a core', () => {
    const own = new GraphTokenStrategy({ appId: '1234', appSecret: 'app-secret-value', type: 'app' })
    expectTypeOf(own.tokens).toEqualTypeOf<Tokens>()
    expect(own.name).toBe('graph-token')
    expect(() => new GraphTokenStrategy({ appId: 'x', appSecret: 'app-secret-value' })).toThrow(/appId/)
  })

  it('facebook: verify(userToken, pageTokens, profile, done) and the request form', () => {
    const strategy = new FacebookLoginStrategy(login, (userToken, pageTokens, profile, done) => {
      expectTypeOf(userToken).toEqualTypeOf<UserToken>()
      expectTypeOf(pageTokens).toEqualTypeOf<PageToken[]>()
      expectTypeOf(profile).toEqualTypeOf<Profile>()
      expectTypeOf(done).toEqualTypeOf<FacebookLoginDone>()
      done(null, { id: userToken.userId })
    })
    expect(strategy.name).toBe('facebook')
    expectTypeOf(strategy.tokens).toEqualTypeOf<Tokens>()
    new FacebookLoginStrategy({ ...login, passReqToCallback: true }, (req, userToken, pageTokens, _profile, done) => {
      expectTypeOf(req).toEqualTypeOf<Request>()
      expectTypeOf(userToken).toEqualTypeOf<UserToken>()
      expectTypeOf(pageTokens).toEqualTypeOf<PageToken[]>()
      done(null, false)
    })
    // @ts-expect-error verify is required
    expect(() => new FacebookLoginStrategy(login)).toThrow(TypeError)
  })

  it('facebook: caller mistakes throw TypeError naming the option', () => {
    const verify = () => undefined
    expect(() => new FacebookLoginStrategy({ ...login, callbackURL: '' }, verify)).toThrow(/callbackURL/)
    expect(() => new FacebookLoginStrategy({ ...login, clientID: '999' }, verify)).toThrow(/another app/)
    const store = { ...login, store: { save: async () => undefined } as never }
    expect(() => new FacebookLoginStrategy(store, verify)).toThrow(/store/)
  })

  it('tokensErrorHandler is an Express error middleware (four parameters)', () => {
    expect(tokensErrorHandler()).toHaveLength(4)
  })
})
