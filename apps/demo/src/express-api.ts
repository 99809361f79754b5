import type { Tokens } from '@tokens/core'
import { requireToken, tokens as tokensMiddleware } from '@tokens/express'
import express, { type Express } from 'express'

/**
 * The API side in Express: `tokens()` verifies any bearer token, `requireToken()` states what each
 * route needs, and handlers read typed fields without casts.
 */
export function createExpressApi(tokens: Tokens): Express {
  const app = express()
  app.disable('x-powered-by')
  app.use(tokensMiddleware(tokens))
  app.get(
    '/api/me',
    requireToken('user').handle((req, res) => {
      res.json({
        framework: 'express',
        userId: req.token.userId,
        scopes: req.token.scopes,
        expiresAt: req.token.expiresAt,
      })
    }),
  )
  app.get(
    '/api/pages/:pageId',
    requireToken('page', { scopes: ['pages_manage_posts'] }).handle((req, res) => {
      res.json({ framework: 'express', pageId: req.token.pageId, matches: req.token.pageId === req.params.pageId })
    }),
  )
  app.get(
    '/api/app',
    requireToken('app').handle((req, res) => {
      res.json({ framework: 'express', appId: req.token.appId })
    }),
  )
  app.get(
    '/api/ios/me',
    requireToken('limited_login').handle((req, res) => {
      res.json({ framework: 'express', userId: req.token.userId, name: req.token.name ?? null })
    }),
  )
  app.get('/api/whoami', (req, res) => {
    res.json({ framework: 'express', token: req.token ?? null })
  })
  return app
}
