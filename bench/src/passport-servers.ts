import { createRequire } from 'node:module'
import { createTokens } from '@tokens/core'
import { GraphTokenStrategy } from '@tokens/passport'
import express, { type Express } from 'express'
import passport from 'passport'
import { coreOptions } from './core-options.js'
import { ROUTE, type ServerConfig } from './server-config.js'

/** passport-facebook-token 4.0.0 ships no types: only what the benchmark uses. */
type FacebookTokenStrategyClass = new (
  options: Record<string, unknown>,
  verify: (
    accessToken: string,
    refreshToken: string,
    profile: { id: string },
    done: (error: unknown, user?: object) => void,
  ) => void,
) => passport.Strategy

const FacebookTokenStrategy = createRequire(import.meta.url)('passport-facebook-token') as FacebookTokenStrategyClass

function withStrategy(name: string, strategy: passport.Strategy): Express {
  const auth = new passport.Passport()
  auth.use(name, strategy)
  const app = express()
  app.get(ROUTE, auth.authenticate(name, { session: false }), (req, res) => {
    res.json(req.user)
  })
  return app
}

/**
 * passport-facebook-token as many apps configure it, which calls Graph's `/me` on every request: its
 * defaults, except that its URLs point at the emulator and its profile fields are ones the emulator's
 * User node has (the default adds `middle_name`). `enableProof` stays on (its default).
 */
export function facebookTokenStrategy(config: ServerConfig): passport.Strategy {
  const graph = `${config.graphUrl}/v25.0`
  return new FacebookTokenStrategy(
    {
      clientID: config.appId,
      clientSecret: config.appSecret,
      profileURL: `${graph}/me`,
      tokenURL: `${graph}/oauth/access_token`,
      authorizationURL: `${graph}/dialog/oauth`,
      profileFields: ['id', 'displayName'],
      enableProof: true,
    },
    (_accessToken, _refreshToken, profile, done) => done(null, { id: profile.id }),
  )
}

/** What many apps run today: the route behind passport-facebook-token ({@link facebookTokenStrategy}). */
export function facebookTokenServer(config: ServerConfig): Express {
  return withStrategy('facebook-token', facebookTokenStrategy(config))
}

/** The same route with `@tokens/passport`'s `graph-token` strategy (verified once, then cached). */
export function graphTokenServer(config: ServerConfig): Express {
  const tokens = createTokens(coreOptions(config))
  const strategy = new GraphTokenStrategy({ tokens, type: 'user' }, (token, done) => done(null, { id: token.userId }))
  return withStrategy('graph-token', strategy)
}
