import { type AccessToken, createTokens, type Tokens, type VerificationCache } from '@tokens/core'
import { requireToken, tokens } from '@tokens/express'
import express, { type Express, type NextFunction, type Request } from 'express'
import { auth } from 'express-oauth2-jwt-bearer'
import { coreOptions } from './core-options.js'
import { ROUTE, type ServerConfig } from './server-config.js'

/** The route with nothing in front of it: the ceiling. */
export function bareExpress(): Express {
  const app = express()
  app.get(ROUTE, (_req, res) => {
    res.json({ id: 'anonymous' })
  })
  return app
}

/** The same route behind `tokens()` + `requireToken('user')`, with the given cache (default: in-process LRU). */
export function tokensExpress(config: ServerConfig, cache?: VerificationCache): Express {
  const core = createTokens({ ...coreOptions(config), ...(cache === undefined ? {} : { cache }) })
  const app = express()
  app.use(tokens(core))
  app.get(
    ROUTE,
    requireToken('user').handle((req, res) => {
      res.json({ id: req.token.userId })
    }),
  )
  return app
}

/** Bare, behind one middleware that only calls `next()`: what one more Express layer costs. */
export function noopExpress(): Express {
  const app = express()
  app.use((_req, _res, next) => {
    next()
  })
  app.get(ROUTE, (_req, res) => {
    res.json({ id: 'anonymous' })
  })
  return app
}

/** …that also sets the two request properties `tokens()` sets (the core and a token, both made at startup). */
export function attachExpress(config: ServerConfig): Express {
  const core = createTokens(coreOptions(config))
  const token = core.appToken()
  const app = express()
  app.use((req, _res, next) => {
    req.tokens = core
    req.token = token
    next()
  })
  app.get(ROUTE, (_req, res) => {
    res.json({ id: 'anonymous' })
  })
  return app
}

/** The core's answer that had to wait (a cache miss, as in a warm-up's first request), attached when it comes. */
export function attachLater(
  core: Tokens,
  req: Request,
  pending: Promise<AccessToken | undefined>,
  next: NextFunction,
): void {
  pending.then((token) => {
    req.tokens = core
    req.token = token
    next()
  }, next)
}

/** …that sets them from the core's work for the request's (cached) token, as a minimal hand-written `tokens()`. */
export function coreExpress(config: ServerConfig): Express {
  const core = createTokens(coreOptions(config))
  const app = express()
  app.use((req, _res, next) => {
    const result = core.tryAuthenticate(req)
    if (result instanceof Promise) {
      attachLater(core, req, result, next)
      return
    }
    req.tokens = core
    req.token = result
    next()
  })
  app.get(ROUTE, (_req, res) => {
    res.json({ id: 'anonymous' })
  })
  return app
}

/** …with `tokens()` in place of the hand-written middleware, the route still bare. */
export function middlewareExpress(config: ServerConfig): Express {
  const app = express()
  app.use(tokens(createTokens(coreOptions(config))))
  app.get(ROUTE, (_req, res) => {
    res.json({ id: 'anonymous' })
  })
  return app
}

/** The emulator's Limited Login keys, as Meta serves its own. */
function jwksUrl(config: ServerConfig): string {
  return `${config.graphUrl}/.well-known/oauth/openid/jwks/`
}

/** The route behind `requireToken('limited_login')`: iOS Limited Login ID tokens, verified by the core. */
export function limitedLoginExpress(config: ServerConfig): Express {
  const core = createTokens({ ...coreOptions(config), limitedLogin: { jwksUrl: jwksUrl(config) } })
  const app = express()
  app.get(
    ROUTE,
    requireToken('limited_login', { tokens: core }).handle((req, res) => {
      res.json({ id: req.token.userId })
    }),
  )
  return app
}

/**
 * The same route behind express-oauth2-jwt-bearer's `auth()`, which verifies the JWT against the JWKS
 * on every request: RS256, Meta's issuer, the app as audience (Meta's ID tokens have no `typ: at+jwt`).
 */
export function jwtBearerExpress(config: ServerConfig): Express {
  const app = express()
  app.get(
    ROUTE,
    auth({
      issuer: 'https://www.facebook.com',
      audience: config.appId,
      jwksUri: jwksUrl(config),
      tokenSigningAlg: 'RS256',
      validators: { typ: false },
    }),
    (req, res) => {
      res.json({ id: req.auth?.payload.sub })
    },
  )
  return app
}
