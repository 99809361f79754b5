import { GraphApiError, isTokenError } from '@tokens/core'
import type { ErrorRequestHandler, Request, RequestHandler } from 'express'
import { errorPage } from './views.js'

/** A request the web app refuses itself (a forged form, an unknown Page id): its status, a reason to log. */
export class RequestRefused extends Error {
  override readonly name = 'RequestRefused'
  constructor(
    readonly status: 403 | 404,
    reason: string,
  ) {
    super(reason)
  }
}

/** What the visitor gets for an error: a status, a page, and `Retry-After` for an outage. */
export interface ErrorAnswer {
  status: number
  title: string
  message: string
  retryAfterSeconds?: number
}

const OUTAGE = {
  status: 503,
  title: 'Facebook is not answering',
  message: 'The Graph API is unavailable or throttling this app right now. Nothing was lost: try again in a moment.',
} as const

const PAGES: Record<number, Omit<ErrorAnswer, 'status'>> = {
  400: { title: 'Bad request', message: 'The request could not be understood.' },
  401: { title: 'Please log in again', message: 'Facebook no longer accepts your login for this app.' },
  403: {
    title: 'Not allowed',
    message: 'You cannot do this: the Page is not one you manage, or the form did not come from this site.',
  },
  404: { title: 'Not found', message: 'There is nothing here.' },
  413: { title: 'Too large', message: 'What you sent is too large.' },
  500: { title: 'Something went wrong', message: 'The app failed to answer. The error is logged; try again later.' },
  502: { title: 'Facebook refused the request', message: 'The Graph API refused what the app asked for.' },
  503: {
    title: 'Temporarily unavailable',
    message: 'The app cannot answer right now. Nothing was lost: try again soon.',
  },
}

function page(status: number, retryAfterSeconds?: number): ErrorAnswer {
  const known = PAGES[status] ?? PAGES[status < 500 ? 400 : 500]!
  return { status, ...known, ...(retryAfterSeconds !== undefined && { retryAfterSeconds }) }
}

/**
 * The answer to an error: the core's `TokenError` keeps its status (`graph_unavailable` is 503 with
 * `Retry-After`, and so is any code the core gives a retry delay); a Graph error of the app's own calls is an outage (throttled, transient: 503), a
 * Page the user cannot manage (403), a login Graph no longer accepts (401) or a refusal (502).
 * Anything else is a 500. Never the error's message, stack or a file path.
 */
export function errorAnswer(error: unknown, retryAfterSeconds: () => number): ErrorAnswer {
  if (isTokenError(error)) {
    if (error.code === 'graph_unavailable') return { ...OUTAGE, retryAfterSeconds: error.retryAfterSeconds ?? 5 }
    return page(error.status, error.retryAfterSeconds)
  }
  if (error instanceof GraphApiError) {
    switch (error.category) {
      case 'throttle':
      case 'transient':
        return { ...OUTAGE, retryAfterSeconds: retryAfterSeconds() }
      case 'permission':
        return page(403)
      case 'auth':
        return page(401)
      default:
        return page(502)
    }
  }
  if (error instanceof RequestRefused) return page(error.status)
  // body-parser's errors (a body too large, a bad encoding) say what the client did wrong.
  const { status, expose } = (error ?? {}) as { status?: unknown; expose?: unknown }
  if (expose === true && typeof status === 'number' && status >= 400 && status < 500) return page(status)
  return page(500)
}

/** What looks like a token, a secret or a code in a log line, replaced by `[redacted]`. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text
  for (const secret of secrets) if (secret) out = out.replaceAll(secret, '[redacted]')
  return out
    .replace(/\bEAA[A-Za-z0-9_-]{8,}/g, 'EAA[redacted]')
    .replace(/\b(\d{5,})\|[A-Za-z0-9_-]+/g, '$1|[redacted]')
    .replace(
      /\b(access_token|input_token|client_secret|appsecret_proof|code|signed_request|_csrf)=[^&\s"']+/gi,
      '$1=[redacted]',
    )
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const code = (error as { code?: unknown }).code
  const cause = error.cause === undefined ? '' : ` (cause: ${describe(error.cause)})`
  return `${error.name}${code === undefined ? '' : ` ${String(code)}`}: ${error.message}${cause}`
}

/** Options of {@link errorHandler}. */
export interface ErrorHandlerOptions {
  /** Where errors are logged, one line each. @default console.error */
  log?: (line: string) => void
  /** Values never to log (the app secret, the session secret). */
  secrets: readonly string[]
  /** `Retry-After` seconds of a Graph outage the core did not map itself. */
  retryAfterSeconds: () => number
}

/**
 * The web app's last handler: renders {@link errorAnswer} as a page and logs the error server-side,
 * scrubbed of anything that looks like a token; the stack only for unexpected (500) errors.
 */
export function errorHandler(options: ErrorHandlerOptions): ErrorRequestHandler {
  const log = options.log ?? ((line: string) => console.error(line))
  return (error: unknown, req: Request, res, next) => {
    const answer = errorAnswer(error, options.retryAfterSeconds)
    const stack = answer.status === 500 && error instanceof Error && error.stack ? `\n${error.stack}` : ''
    log(scrub(`[web] ${req.method} ${req.path} → ${answer.status}: ${describe(error)}${stack}`, options.secrets))
    if (res.headersSent) return next(error)
    res.status(answer.status).set('Cache-Control', 'no-store')
    if (answer.retryAfterSeconds !== undefined) res.set('Retry-After', String(answer.retryAfterSeconds))
    res.type('html').send(errorPage(answer))
  }
}

/** The answer to a path the web app does not serve. */
export const notFound: RequestHandler = (_req, res) => {
  res
    .status(404)
    .type('html')
    .send(errorPage(page(404)))
}
