import { Authenticator } from '@fastify/passport'
import { createTokens } from '@tokens/core'
import { tokens } from '@tokens/fastify'
import Fastify, { type FastifyInstance } from 'fastify'
import { coreOptions } from './core-options.js'
import { facebookTokenStrategy } from './passport-servers.js'
import { ROUTE, type ServerConfig } from './server-config.js'

/** The route with nothing in front of it: Fastify's ceiling. */
export async function bareFastify(): Promise<FastifyInstance> {
  const app = Fastify()
  app.get(ROUTE, async () => ({ id: 'anonymous' }))
  return app
}

/** The same route behind the `tokens` plugin + `app.requireToken('user')` (in-process LRU). */
export async function tokensFastify(config: ServerConfig): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(tokens, { tokens: createTokens(coreOptions(config)) })
  app.get(ROUTE, { preHandler: app.requireToken('user') }, async (request) => ({ id: request.token.userId }))
  return app
}

/**
 * What a Fastify app running passport-facebook-token does today: the strategy through
 * `@fastify/passport`, calling Graph's `/me` on every request (the same options as the Express one).
 */
export async function facebookTokenFastify(config: ServerConfig): Promise<FastifyInstance> {
  const passport = new Authenticator()
  passport.use('facebook-token', facebookTokenStrategy(config) as never)
  const app = Fastify()
  // @fastify/passport's flash messages need a session decorator even with `session: false`; a
  // sessionless API (this one) satisfies it without a session store, as it would in production.
  app.decorateRequest('session', null)
  await app.register(passport.initialize())
  app.get(
    ROUTE,
    { preValidation: passport.authenticate('facebook-token', { session: false }) },
    async (request) => request.user,
  )
  return app
}
