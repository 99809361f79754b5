import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { NextFunction, Request, Response } from 'express'
import { RequestRefused } from './error-page.js'

/** The form field every state-changing form of the web app carries. */
export const CSRF_FIELD = '_csrf'

interface CsrfSession {
  csrfToken?: string
}

/**
 * The signed-in session's synchronizer token, created on first use. Only signed-in users get one:
 * an anonymous visitor has no session to write it to, and no form that changes anything.
 */
export function csrfToken(req: Request): string {
  const held = req.session as unknown as CsrfSession
  held.csrfToken ??= randomBytes(32).toString('base64url')
  return held.csrfToken
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest()
}

/** Constant-time comparison (over digests, so the length of the guess tells nothing either). */
function sameToken(given: unknown, held: string | undefined): boolean {
  if (typeof given !== 'string' || held === undefined) return false
  return timingSafeEqual(digest(given), digest(held))
}

/**
 * Refuses a state-changing request that another origin made, a same-site one included (another port
 * on localhost, a sibling subdomain: SameSite=Lax cookies travel with those): a browser's
 * `Sec-Fetch-Site` must say `same-origin` and its `Origin` must be the app's, when they are sent;
 * and the form must carry the session's synchronizer token.
 */
export function requireSameOriginForm(allowedOrigins: readonly string[]) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const site = req.get('sec-fetch-site')
    const origin = req.get('origin')
    const own = [...allowedOrigins, `${req.protocol}://${req.get('host')}`]
    if (site !== undefined && site !== 'same-origin') {
      next(new RequestRefused(403, `a form sent from another site (Sec-Fetch-Site: ${site})`))
    } else if (origin !== undefined && !own.includes(origin)) {
      next(new RequestRefused(403, `a form sent from another origin (${origin})`))
    } else if (!sameToken((req.body as Record<string, unknown> | undefined)?.[CSRF_FIELD], held(req))) {
      next(new RequestRefused(403, 'a form without the session’s CSRF token'))
    } else {
      next()
    }
  }
}

function held(req: Request): string | undefined {
  return (req.session as unknown as CsrfSession | undefined)?.csrfToken
}
