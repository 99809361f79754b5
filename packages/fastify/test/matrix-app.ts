import Fastify, { type FastifyInstance } from 'fastify'
import { tokens } from '../src/index.js'
import type { Harness } from './harness.js'

/** The app of the matrix: the plugin on every route, one route per requirement. */
export async function buildApp(h: Harness, app: FastifyInstance = Fastify()): Promise<FastifyInstance> {
  await app.register(tokens, { tokens: h.core() })
  app.get('/any', async (request) => ({ type: request.token?.type ?? null }))
  app.get('/user', { preHandler: app.requireToken('user') }, async (request) => ({
    type: request.token.type,
    userId: request.token.userId,
  }))
  app.get('/email', { preHandler: app.requireToken('user', { scopes: ['email'] }) }, async (request) => ({
    userId: request.token.userId,
  }))
  app.get('/page', { preHandler: app.requireToken('page') }, async (request) => ({
    type: request.token.type,
    pageId: request.token.pageId,
    userId: request.token.userId,
  }))
  app.get('/app', { preHandler: app.requireToken('app') }, async (request) => ({
    type: request.token.type,
    appId: request.token.appId,
  }))
  app.get('/system', { preHandler: app.requireToken('system_user') }, async (request) => ({
    type: request.token.type,
    userId: request.token.userId,
  }))
  app.get('/client', { preHandler: app.requireToken('client') }, async (request) => ({
    type: request.token.type,
    appId: request.token.appId,
  }))
  app.get('/people', { preHandler: app.requireToken(['user', 'system_user']) }, async (request) => ({
    type: request.token.type,
  }))
  return app
}
