import { createTokens, type VerificationCache } from '@tokens/core'
import { requireToken, tokens } from '@tokens/express'
import express, { type Express } from 'express'
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
