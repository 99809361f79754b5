import { TokenError } from './errors.js'

/**
 * The parts of an incoming request the core reads: structural, so it fits Express, Fastify, Nest
 * and plain `http` requests alike.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http'
 * import type { RequestLike, TokenError } from '@tokens/core'
 * createServer((request, response) => {
 *   const like: RequestLike = request // a Node request as it is; Express, Fastify and Nest requests fit too
 *   tokens.authenticate(like, { required: true }).then(
 *     (token) => response.end(`hello, ${token?.type} token`),
 *     (error: TokenError) => {
 *       const { status, headers, body } = error.toResponse(tokens.realm)
 *       response.writeHead(status, headers).end(JSON.stringify(body))
 *     },
 *   )
 * }).listen(3000)
 * ```
 */
export interface RequestLike {
  headers: Record<string, string | string[] | undefined>
  /**
   * Node's `rawHeaders` (name, value, name, value…): where a repeated `Authorization` header shows,
   * which `headers` hides (Node keeps the first). Express and Node requests have it.
   */
  rawHeaders?: readonly string[]
  /** The Node request under a framework's own (Fastify's `request.raw`), for its `rawHeaders`. */
  raw?: { rawHeaders?: readonly string[] }
  /** The HTTP method: a cookie-borne token on an unsafe method is checked for its origin. */
  method?: string
  query?: unknown
  body?: unknown
  cookies?: unknown
}

/**
 * Where a token may arrive. Only the `Authorization` header is on by default (RFC 6750 §2.1).
 *
 * @example
 * ```ts
 * import { createTokens, type TokenSources } from '@tokens/core'
 * const tokenSources: TokenSources = { header: true, cookie: 'fb_token' } // the header, or the fb_token cookie
 * const tokens = createTokens({ appId, appSecret, tokenSources })
 * ```
 */
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

/**
 * Options of {@link extractToken}.
 *
 * @example
 * ```ts
 * import { type ExtractOptions, extractToken } from '@tokens/core'
 * const options: ExtractOptions = { sources: { header: true, query: true }, maxTokenLength: 4096 }
 * const found = extractToken(req, options) // undefined without a token; a malformed one throws invalid_request
 * ```
 */
export interface ExtractOptions {
  /** @default { header: true } */
  sources?: TokenSources
  /** Longer tokens are refused as `invalid_request` before any Graph call. @default 8192 */
  maxTokenLength?: number
  /** Accept a cookie-borne token on an unsafe cross-site request (see `TokensOptions`). @default false */
  allowCrossSiteCookies?: boolean
}

/** The RFC 6750 b64token alphabet, plus `|` for `{app_id}|{secret}` app tokens. */
const TOKEN_SYNTAX = /^[A-Za-z0-9\-._~+/|]+=*$/
const BEARER = /^bearer(?:\s+(.*))?$/is
export const DEFAULT_MAX_TOKEN_LENGTH = 8192

function single(value: unknown, where: string): string | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value === 'string') return value
  if (Array.isArray(value))
    throw new TokenError('invalid_request', `The access token was sent more than once in the ${where}`, {})
  throw new TokenError('invalid_request', `The access token in the ${where} is not a string`, {})
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

const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS'])

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

/**
 * Whether a browser says an unsafe request (POST, PUT, PATCH, DELETE…) comes from another origin:
 * `Sec-Fetch-Site` other than `same-origin` (or `none`, typed by the user), or, from browsers that do
 * not send it, an `Origin` whose host is not the request's `Host`. Clients that send neither (curl,
 * servers, mobile apps) are not browsers a forged form can drive.
 */
function isCrossSiteUnsafe(req: RequestLike): boolean {
  const method = (req.method ?? 'GET').toUpperCase()
  if (SAFE_METHODS.has(method)) return false
  const site = headerText(req.headers['sec-fetch-site'])
  if (site !== undefined) return site !== 'same-origin' && site !== 'none'
  const origin = headerText(req.headers.origin)
  if (origin === undefined) return false
  let host: string
  try {
    host = new URL(origin).host
  } catch {
    return true // `Origin: null` (a sandboxed frame, a redirect) or garbage: not this site
  }
  return host !== headerText(req.headers.host)
}

/** Whether a `Content-Type` is `application/x-www-form-urlencoded` (parameters and case aside). */
function isFormEncoded(contentType: string | string[] | undefined): boolean {
  const value = Array.isArray(contentType) ? contentType[0] : contentType
  return value?.split(';', 1)[0]?.trim().toLowerCase() === 'application/x-www-form-urlencoded'
}

/** Whether the request carried more than one `Authorization` header (in any case). */
function repeatedAuthorization(req: RequestLike): boolean {
  const raw = req.rawHeaders ?? req.raw?.rawHeaders
  if (!Array.isArray(raw)) return false
  let seen = 0
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]
    if (typeof name === 'string' && name.length === 13 && name.toLowerCase() === 'authorization' && ++seen > 1) {
      return true
    }
  }
  return false
}

/** Whether a character code is printable ASCII other than a space: never trimmed, never matched by `\s`. */
function isVisibleAscii(code: number): boolean {
  return code > 0x20 && code < 0x7f
}

/**
 * `Bearer <token>` as nearly every client writes it (that spelling, one space, nothing around the
 * token): the token, found without the regular expression or any trimming, which would change
 * nothing here. `undefined` for any other spelling, which {@link BEARER} then reads.
 */
function plainBearer(header: string): string | undefined {
  if (header.length < 8 || !header.startsWith('Bearer ')) return undefined
  if (!isVisibleAscii(header.charCodeAt(7)) || !isVisibleAscii(header.charCodeAt(header.length - 1))) return undefined
  return header.slice(7)
}

function fromHeader(req: RequestLike): string | undefined {
  const header = single(req.headers.authorization, 'Authorization header')
  if (header === undefined) return undefined
  // Node keeps the first of two, a proxy in front may keep the last: which one is the token?
  if (repeatedAuthorization(req)) {
    throw new TokenError('invalid_request', 'The request has more than one Authorization header', {})
  }
  const plain = plainBearer(header)
  if (plain !== undefined) return plain
  const match = BEARER.exec(header.trim())
  if (match === null) return undefined // another scheme (Basic, Digest…): not ours to judge
  const token = match[1]?.trim()
  if (!token) throw new TokenError('invalid_request', 'The Authorization header has no bearer token', {})
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
  const maxLength = options.maxTokenLength ?? DEFAULT_MAX_TOKEN_LENGTH
  // The first token found, and how many were: no array per request.
  let found: string | undefined
  let count = 0
  if (sources.header !== false) {
    const token = fromHeader(req)
    if (token !== undefined) {
      found = token
      count++
    }
  }
  if (sources.query === true) {
    const token = single(field(req.query, 'access_token'), 'query string')
    if (token !== undefined) {
      found ??= token
      count++
    }
  }
  if (sources.body === true && isFormEncoded(req.headers['content-type'])) {
    const token = single(field(req.body, 'access_token'), 'request body')
    if (token !== undefined) {
      found ??= token
      count++
    }
  }
  if (typeof sources.cookie === 'string' && sources.cookie !== '') {
    const token = cookieValue(req, sources.cookie)
    if (token !== undefined && token !== '') {
      if (options.allowCrossSiteCookies !== true && isCrossSiteUnsafe(req)) {
        throw new TokenError('invalid_request', 'A token in a cookie is not accepted on a cross-site request', {})
      }
      found ??= token
      count++
    }
  }
  if (found === undefined) return undefined
  if (count > 1) {
    throw new TokenError('invalid_request', 'The access token was sent by more than one method', {})
  }
  checkTokenSyntax(found, maxLength)
  return found
}

/**
 * Refuses, as `invalid_request`, what cannot be a bearer token: too long, or characters outside
 * the RFC 6750 b64token alphabet (plus `|`). Costs no network call.
 */
export function checkTokenSyntax(token: string, maxLength = DEFAULT_MAX_TOKEN_LENGTH): void {
  if (token.length > maxLength) {
    throw new TokenError('invalid_request', `The access token is longer than ${maxLength} characters`, {})
  }
  if (!TOKEN_SYNTAX.test(token)) {
    throw new TokenError('invalid_request', 'The access token has characters outside the bearer token alphabet', {})
  }
}
