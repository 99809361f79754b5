import { TokenError } from './errors.js'

/**
 * The parts of an incoming request the core reads: structural, so it fits Express, Fastify, Nest
 * and plain `http` requests alike.
 */
export interface RequestLike {
  headers: Record<string, string | string[] | undefined>
  query?: unknown
  body?: unknown
  cookies?: unknown
}

/** Where a token may arrive. Only the `Authorization` header is on by default (RFC 6750 §2.1). */
export interface TokenSources {
  /** `Authorization: Bearer <token>`. @default true */
  header?: boolean
  /** `?access_token=` in the query string (RFC 6750 §2.3; tokens end up in logs). @default false */
  query?: boolean
  /**
   * `access_token` in a form-encoded body (RFC 6750 §2.2): read only when the request's
   * `Content-Type` is `application/x-www-form-urlencoded` (a JSON body's `access_token` is not a
   * bearer token). Your framework must have parsed the body (`express.urlencoded()`). @default false
   */
  body?: boolean
  /** The name of a cookie holding the token, or `false`. @default false */
  cookie?: string | false
}

/** Options of {@link extractToken}. */
export interface ExtractOptions {
  /** @default { header: true } */
  sources?: TokenSources
  /** Longer tokens are refused as `invalid_request` before any Graph call. @default 8192 */
  maxTokenLength?: number
  /** The `realm` of the challenge. @default 'api' */
  realm?: string
}

/** The RFC 6750 b64token alphabet, plus `|` for `{app_id}|{secret}` app tokens. */
const TOKEN_SYNTAX = /^[A-Za-z0-9\-._~+/|]+=*$/
const BEARER = /^bearer(?:\s+(.*))?$/is
export const DEFAULT_MAX_TOKEN_LENGTH = 8192

function single(value: unknown, where: string, realm: string): string | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value === 'string') return value
  if (Array.isArray(value))
    throw new TokenError('invalid_request', `The access token was sent more than once in the ${where}`, { realm })
  throw new TokenError('invalid_request', `The access token in the ${where} is not a string`, { realm })
}

function field(container: unknown, name: string): unknown {
  if (typeof container !== 'object' || container === null) return undefined
  return Object.hasOwn(container, name) ? (container as Record<string, unknown>)[name] : undefined
}

function cookieValue(req: RequestLike, name: string): string | undefined {
  const parsed = field(req.cookies, name)
  if (typeof parsed === 'string') return parsed
  const header = req.headers.cookie
  const text = Array.isArray(header) ? header.join('; ') : header
  if (!text) return undefined
  for (const pair of text.split(';')) {
    const eq = pair.indexOf('=')
    if (eq > 0 && pair.slice(0, eq).trim() === name) {
      const value = pair.slice(eq + 1).trim()
      try {
        return decodeURIComponent(value)
      } catch {
        return value
      }
    }
  }
  return undefined
}

/** Whether a `Content-Type` is `application/x-www-form-urlencoded` (parameters and case aside). */
function isFormEncoded(contentType: string | string[] | undefined): boolean {
  const value = Array.isArray(contentType) ? contentType[0] : contentType
  return value?.split(';', 1)[0]?.trim().toLowerCase() === 'application/x-www-form-urlencoded'
}

function fromHeader(req: RequestLike, realm: string): string | undefined {
  const header = single(req.headers.authorization, 'Authorization header', realm)
  if (header === undefined) return undefined
  const match = BEARER.exec(header.trim())
  if (match === null) return undefined // another scheme (Basic, Digest…): not ours to judge
  const token = match[1]?.trim()
  if (!token) throw new TokenError('invalid_request', 'The Authorization header has no bearer token', { realm })
  return token
}

/**
 * Finds the access token of a request per RFC 6750, without any network call. Returns `undefined`
 * when the request carries none. Throws `invalid_request` for a malformed header, a token sent by
 * more than one method, characters outside the token alphabet, or a token over `maxTokenLength`.
 *
 * @example
 * ```ts
 * import { extractToken } from '@tokens/core'
 * extractToken({ headers: { authorization: 'Bearer EAAB123' } }) // 'EAAB123'
 * extractToken({ headers: {}, query: { access_token: 'EAAB123' } }, { sources: { query: true } }) // 'EAAB123'
 * ```
 */
export function extractToken(req: RequestLike, options: ExtractOptions = {}): string | undefined {
  const sources = options.sources ?? {}
  const realm = options.realm ?? 'api'
  const maxLength = options.maxTokenLength ?? DEFAULT_MAX_TOKEN_LENGTH
  const found: string[] = []
  if (sources.header !== false) {
    const token = fromHeader(req, realm)
    if (token !== undefined) found.push(token)
  }
  if (sources.query === true) {
    const token = single(field(req.query, 'access_token'), 'query string', realm)
    if (token !== undefined) found.push(token)
  }
  if (sources.body === true && isFormEncoded(req.headers['content-type'])) {
    const token = single(field(req.body, 'access_token'), 'request body', realm)
    if (token !== undefined) found.push(token)
  }
  if (typeof sources.cookie === 'string' && sources.cookie !== '') {
    const token = cookieValue(req, sources.cookie)
    if (token !== undefined && token !== '') found.push(token)
  }
  if (found.length === 0) return undefined
  if (found.length > 1) {
    throw new TokenError('invalid_request', 'The access token was sent by more than one method', { realm })
  }
  const token = found[0] as string
  checkTokenSyntax(token, maxLength, realm)
  return token
}

/**
 * Refuses, as `invalid_request`, what cannot be a bearer token: too long, or characters outside
 * the RFC 6750 b64token alphabet (plus `|`). Costs no network call.
 */
export function checkTokenSyntax(token: string, maxLength = DEFAULT_MAX_TOKEN_LENGTH, realm = 'api'): void {
  if (token.length > maxLength) {
    throw new TokenError('invalid_request', `The access token is longer than ${maxLength} characters`, { realm })
  }
  if (!TOKEN_SYNTAX.test(token)) {
    throw new TokenError('invalid_request', 'The access token has characters outside the bearer token alphabet', {
      realm,
    })
  }
}
