import type { Tokens } from '@tokens/core'
import { type TokenRoute, tokens as tokensPlugin } from '@tokens/fastify'
import Fastify, { type FastifyInstance } from 'fastify'

/**
 * The API side in Fastify: the `tokens` plugin verifies any bearer token, `app.requireToken()` is each
 * route's `preHandler`, and handlers read typed fields without casts. Same routes and answers as the
 * Express and NestJS APIs, on the demo's one core.
 */
export async function createFastifyApi(tokens: Tokens): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(tokensPlugin, { tokens })
  app.get('/api/me', { preHandler: app.requireToken('user') }, async (request) => ({
    framework: 'fastify',
    userId: request.token.userId,
    scopes: request.token.scopes,
    expiresAt: request.token.expiresAt,
  }))
  // Beside other route generics (`Params`), the token's is named: `TokenRoute<'page'>`.
  app.get<TokenRoute<'page'> & { Params: { pageId: string } }>(
    '/api/pages/:pageId',
    { preHandler: app.requireToken('page', { scopes: ['pages_manage_posts'] }) },
    async (request) => ({
      framework: 'fastify',
      pageId: request.token.pageId,
      matches: request.token.pageId === request.params.pageId,
    }),
  )
  app.get('/api/app', { preHandler: app.requireToken('app') }, async (request) => ({
    framework: 'fastify',
    appId: request.token.appId,
  }))
  app.get('/api/ios/me', { preHandler: app.requireToken('limited_login') }, async (request) => ({
    framework: 'fastify',
    userId: request.token.userId,
    name: request.token.name ?? null,
  }))
  app.get('/api/whoami', async (request) => ({ framework: 'fastify', token: request.token ?? null }))
  return app
}
