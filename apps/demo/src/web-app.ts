import type { PageToken, TokenStore, Tokens, UserToken } from '@tokens/core'
import { tokenFromInfo } from '@tokens/core'
import { dataDeletionCallback, deauthorizeCallback } from '@tokens/express'
import { type FacebookLoginAuthenticateOptions, FacebookLoginStrategy } from '@tokens/passport'
import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express'
import session from 'express-session'
import { Passport } from 'passport'
import { csrfToken, requireSameOriginForm } from './csrf.js'
import { errorHandler, notFound, RequestRefused } from './error-page.js'
import { securityHeaders } from './security-headers.js'
import type { BoundedSessionStore } from './session-store.js'
import { dashboardPage, homePage } from './views.js'

/** What the login app needs to know. */
export interface WebAppOptions {
  tokens: Tokens
  appSecret: string
  store: TokenStore
  /** Public base URL of this app, e.g. `http://localhost:3000`. */
  baseUrl: string
  graphUrl: string | undefined
  dialogUrl: string | undefined
  sessionSecret: string
  /** Where sessions live: only signed-in users' and logins under way, bounded. */
  sessionStore: BoundedSessionStore
  apis: { express: string; nest: string; fastify: string }
  /** Where errors are logged, one scrubbed line each. @default console.error */
  log?: (line: string) => void
}

interface SessionUser {
  id: string
  name: string
}

/** The session cookie's name. */
export const SESSION_COOKIE = 'tokens-demo.sid'
/** How long a signed-in session lasts. */
const SIGNED_IN_MS = 8 * 3600_000
/** How long a login under way (dialog → callback) keeps its session. */
const LOGIN_ROUND_TRIP_MS = 10 * 60_000

/** Permissions the demo asks for at login. */
export const LOGIN_SCOPES = ['email', 'pages_show_list', 'pages_manage_posts']

async function storedTokens(options: WebAppOptions, userId: string) {
  const { tokens, store } = options
  const user = await store.findUserToken(tokens.appId, userId)
  const pages = await store.listPageTokens(tokens.appId, userId)
  return {
    userToken: user ? (tokenFromInfo(user.value, user.info) as UserToken) : undefined,
    pages: pages
      .map((p) => tokenFromInfo(p.value, p.info) as PageToken)
      .sort((a, b) => a.pageId.localeCompare(b.pageId)),
  }
}

async function declinedScopes(tokens: Tokens, userToken: UserToken): Promise<string[]> {
  const answer = await tokens.graph.get<{ data?: Array<{ permission: string; status: string }> }>('/me/permissions', {
    token: userToken,
  })
  return (answer.data ?? []).filter((p) => p.status === 'declined').map((p) => p.permission)
}

/**
 * The "Log in with Facebook" web app: passport's `facebook` strategy from `@tokens/passport` stores the
 * long-lived user token and Page tokens; the dashboard reads them back and acts on a Page with
 * `tokens.graph`; Meta's deauthorize and data deletion callbacks come from `@tokens/express`.
 */
export function createWebApp(options: WebAppOptions): Express {
  const { tokens } = options
  const passport = new Passport()
  passport.use(
    new FacebookLoginStrategy(
      {
        clientID: tokens.appId,
        clientSecret: options.appSecret,
        callbackURL: `${options.baseUrl}/auth/facebook/callback`,
        scope: LOGIN_SCOPES,
        tokens,
        ...(options.graphUrl && { graphUrl: options.graphUrl }),
        ...(options.dialogUrl && { dialogUrl: options.dialogUrl }),
      },
      (userToken, _pages, profile, done) => done(null, { id: userToken.userId, name: profile.displayName || 'you' }),
    ),
  )
  passport.serializeUser((user, done) => done(null, user))
  passport.deserializeUser((user: SessionUser, done) => done(null, user))

  const app = express()
  app.disable('x-powered-by')
  const secureCookies = options.baseUrl.startsWith('https:')
  // An https:// public URL means a proxy terminates TLS in front of us: trust its X-Forwarded-Proto
  // (one hop), so that secure cookies are sent and the HTTPS check sees the request as secure.
  if (secureCookies) app.set('trust proxy', 1)
  app.use(securityHeaders(secureCookies))
  app.post('/facebook/deauthorize', deauthorizeCallback({ tokens }))
  app.post(
    '/facebook/data-deletion',
    dataDeletionCallback({
      tokens,
      statusUrl: `${options.baseUrl}/deletion-status`,
      // The demo keeps nothing of a user but her tokens, which the core deletes after this.
      onDelete: () => {},
    }),
  )
  app.use(express.urlencoded({ extended: false, limit: '10kb' }))
  // Behind HTTPS (a PUBLIC_URL of https://…), the session cookie is HTTPS-only.
  const cookie = { httpOnly: true, sameSite: 'lax', secure: secureCookies, path: '/' } as const
  app.use(
    session({
      name: SESSION_COOKIE,
      secret: options.sessionSecret,
      store: options.sessionStore,
      resave: false,
      // Only signed-in users and logins under way have a session: an anonymous request writes none.
      saveUninitialized: false,
      cookie: { ...cookie, maxAge: SIGNED_IN_MS },
    }),
  )
  app.use(passport.session())

  const signedIn = (req: Request, res: Response, next: NextFunction) => (req.user ? next() : res.redirect(303, '/'))
  // A login started by a visitor keeps its session (the OAuth state) for the round trip only.
  const loginRoundTrip: RequestHandler = (req, _res, next) => {
    if (!req.user) req.session.cookie.maxAge = LOGIN_ROUND_TRIP_MS
    next()
  }
  // Every form that changes something: from this origin, with the session's CSRF token.
  const sameOriginForm = requireSameOriginForm([new URL(options.baseUrl).origin])

  app.get('/', (req, res) => {
    if (req.user) return res.redirect(303, '/dashboard')
    const denied =
      req.query.denied === '1'
        ? 'You cancelled the login, or it did not complete: nothing was shared with the app.'
        : undefined
    res.type('html').send(homePage(denied))
  })
  app.get('/auth/facebook', loginRoundTrip, passport.authenticate('facebook'))
  const rerequest: FacebookLoginAuthenticateOptions = { authType: 'rerequest', scope: LOGIN_SCOPES }
  app.get('/auth/facebook/rerequest', loginRoundTrip, passport.authenticate('facebook', rerequest))
  app.get(
    '/auth/facebook/callback',
    passport.authenticate('facebook', { failureRedirect: '/?denied=1', successRedirect: '/dashboard' }),
  )
  app.get('/dashboard', signedIn, async (req, res, next) => {
    try {
      const user = req.user as SessionUser
      const { userToken, pages } = await storedTokens(options, user.id)
      const feeds = new Map<string, string[]>()
      const names = new Map<string, string>()
      for (const page of pages) {
        const path = `/${page.pageId}`
        const feed = await tokens.graph.get<{ data?: Array<{ message?: string }> }>(`${path}/feed`, { token: page })
        feeds.set(page.pageId, (feed.data ?? []).map((p) => p.message ?? '').filter(Boolean))
        const node = await tokens.graph.get<{ name?: string }>(path, { token: page, params: { fields: 'name' } })
        names.set(page.pageId, node.name ?? page.pageId)
      }
      const declined = userToken ? await declinedScopes(tokens, userToken) : []
      const notice =
        typeof req.query.posted === 'string' ? `Posted to the Page as post ${req.query.posted}.` : undefined
      res.type('html').send(
        dashboardPage({
          user,
          userToken,
          pages,
          names,
          declined,
          feeds,
          notice,
          apis: options.apis,
          csrf: csrfToken(req),
        }),
      )
    } catch (error) {
      next(error)
    }
  })
  app.post('/pages/:pageId/posts', signedIn, sameOriginForm, async (req, res, next) => {
    try {
      const pageId = String(req.params.pageId)
      if (!/^\d{1,32}$/.test(pageId)) return next(new RequestRefused(404, 'not a Page id'))
      const user = req.user as SessionUser
      const { userToken } = await storedTokens(options, user.id)
      if (userToken === undefined) return res.redirect(303, '/dashboard')
      // A Page the user has no role on: Graph refuses its token (permission error), answered 403.
      const page = await tokens.pageToken(userToken, pageId)
      const message = String(req.body?.message ?? '').slice(0, 500)
      const post = await tokens.graph.post<{ id: string }>(`/${page.pageId}/feed`, { token: page, params: { message } })
      res.redirect(303, `/dashboard?posted=${encodeURIComponent(post.id)}`)
    } catch (error) {
      next(error)
    }
  })
  // Only a signed-in session is logged out (and then destroyed): an anonymous logout writes nothing.
  app.post(
    '/logout',
    (req, res, next) => (req.user ? next() : res.redirect(303, '/')),
    sameOriginForm,
    (req, res, next) => {
      req.logout((error) => {
        if (error) return next(error)
        req.session.destroy((destroyed: unknown) => {
          if (destroyed) return next(destroyed)
          res.clearCookie(SESSION_COOKIE, cookie)
          res.redirect(303, '/')
        })
      })
    },
  )
  app.get('/deletion-status', (req, res) => {
    res.type('text').send(`Deletion request ${String(req.query.id ?? '')}: done.`)
  })
  app.use(notFound)
  app.use(
    errorHandler({
      secrets: [options.appSecret, options.sessionSecret],
      retryAfterSeconds: () => tokens.graph.retryAfterSeconds(),
      ...(options.log && { log: options.log }),
    }),
  )
  return app
}
