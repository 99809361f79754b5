import { publishError } from './diagnostics.js'
import type { GraphApiError } from './graph-api-error.js'

/**
 * Every way a request's token can be refused. The discriminant of {@link TokenError}.
 *
 * @example
 * ```ts
 * import type { TokenErrorCode } from '@tokens/core'
 * function logLevel(code: TokenErrorCode): 'warn' | 'error' {
 *   switch (code) {
 *     case 'graph_unavailable': case 'store_unavailable': case 'misconfigured': return 'error' // the server's side
 *     case 'token_required': case 'invalid_request': case 'invalid_token': case 'insufficient_scope': return 'warn'
 *   }
 * }
 * ```
 */
export type TokenErrorCode =
  | 'token_required'
  | 'invalid_request'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'graph_unavailable'
  | 'store_unavailable'
  | 'misconfigured'

/**
 * Why a token is `invalid_token`.
 *
 * @example
 * ```ts
 * import { type InvalidTokenReason, isTokenError } from '@tokens/core'
 * const advice: Record<InvalidTokenReason, string> = {
 *   expired: 'Log in again', invalidated: 'Log in again', password_changed: 'Log in again with your new password',
 *   app_not_installed: 'Add the app again', wrong_app: 'Use a token of this app', malformed: 'Send the token as given',
 *   client_token: 'Log in', limited_login: 'Use an access token', bad_signature: 'Log in again',
 *   wrong_issuer: 'Log in again', not_yet_valid: 'Check your clock', nonce_mismatch: 'Log in again',
 * }
 * try { await tokens.verify(raw) } catch (e) { if (isTokenError(e) && e.reason) console.log(advice[e.reason]) }
 * ```
 */
export type InvalidTokenReason =
  | 'expired'
  | 'invalidated'
  | 'password_changed'
  | 'app_not_installed'
  | 'wrong_app'
  | 'malformed'
  | 'client_token'
  | 'limited_login'
  | 'bad_signature'
  | 'wrong_issuer'
  | 'not_yet_valid'
  | 'nonce_mismatch'

/**
 * Every status a {@link TokenError} answers with.
 *
 * @example
 * ```ts
 * import type { TokenError, TokenErrorStatus } from '@tokens/core'
 * const refusals = new Map<TokenErrorStatus, number>()
 * function count(error: TokenError): void {
 *   refusals.set(error.status, (refusals.get(error.status) ?? 0) + 1) // 400, 401, 403, 500 or 503
 * }
 * ```
 */
export type TokenErrorStatus = 400 | 401 | 403 | 500 | 503

/**
 * The HTTP status of each error code. The core owns this table; adapters only look it up.
 *
 * @example
 * ```ts
 * import { STATUS } from '@tokens/core'
 * STATUS.insufficient_scope // 403
 * ```
 */
export const STATUS: Readonly<Record<TokenErrorCode, TokenErrorStatus>> = Object.freeze({
  token_required: 401,
  invalid_request: 400,
  invalid_token: 401,
  insufficient_scope: 403,
  graph_unavailable: 503,
  store_unavailable: 503,
  misconfigured: 500,
})

/**
 * The JSON body every rejection is answered with.
 *
 * @example
 * ```ts
 * import type { TokenErrorBody } from '@tokens/core'
 * const response = await fetch('https://api.example.com/me', { headers: { authorization: `Bearer ${raw}` } })
 * if (response.status === 401) {
 *   const body = (await response.json()) as TokenErrorBody
 *   if (body.error === 'invalid_token' && body.reason === 'expired') console.log('log in again')
 * }
 * ```
 */
export interface TokenErrorBody {
  error: TokenErrorCode
  error_description: string
  reason?: InvalidTokenReason
}

/**
 * What an adapter writes to the wire for a {@link TokenError}.
 *
 * @example
 * ```ts
 * import type { TokenError, TokenErrorResponse } from '@tokens/core'
 * function send(error: TokenError): void {
 *   const { status, headers, body }: TokenErrorResponse = error.toResponse(tokens.realm)
 *   res.status(status).set(headers).json(body)
 * }
 * ```
 */
export interface TokenErrorResponse {
  status: TokenErrorStatus
  headers: Record<string, string>
  body: TokenErrorBody
}

/**
 * Extra details of a {@link TokenError}.
 *
 * @example
 * ```ts
 * import { TokenError, type TokenErrorDetails } from '@tokens/core'
 * const user = await tokens.verify(raw, { type: 'user' })
 * if (!user.hasScope('pages_manage_posts')) {
 *   const details: TokenErrorDetails = { scopes: ['pages_manage_posts'] } // named in the challenge's scope
 *   throw new TokenError('insufficient_scope', 'Posting needs pages_manage_posts', details)
 * }
 * ```
 */
export interface TokenErrorDetails {
  /** Why an `invalid_token` was refused. */
  reason?: InvalidTokenReason
  /** The scopes a route requires (`insufficient_scope`), named in the challenge's `scope`. */
  scopes?: readonly string[]
  /** Seconds a client should wait (`graph_unavailable`, `store_unavailable`), sent as `Retry-After`. */
  retryAfterSeconds?: number
  /**
   * A `realm` of its own for the `WWW-Authenticate` challenge. Without it, the realm is the one the
   * response is rendered with: the adapter's (the core's `realm` option), else `'api'`.
   */
  realm?: string
  /** The underlying failure (a `GraphApiError`, a network error). Never exposed to clients. */
  cause?: unknown
}

const DEFAULT_REALM = 'api'
/** The one mark every error of the family carries, shared by every copy of this package. */
const ERROR_BRAND = Symbol.for('@tokens/core.Error')

/**
 * The base of every error the @tokens packages raise on purpose: a {@link TokenError} (a request's
 * token refused, with the answer to send) or a {@link GraphApiError} (Graph answered an error). `name`
 * tells them apart; `instanceof` (of this class and of each subclass) holds across the ESM and
 * CommonJS copies of this package, by one brand checked in one place.
 *
 * @example
 * ```ts
 * import { TokensError } from '@tokens/core'
 * try { await tokens.graph.get('/me', { token: raw }) } catch (e) {
 *   if (e instanceof TokensError) console.warn(`${e.name}: ${e.message}`) // TokenError or GraphApiError
 *   else throw e
 * }
 * ```
 */
export abstract class TokensError extends Error {
  abstract override readonly name: 'TokenError' | 'GraphApiError'
  /** The `name` of the subclass, for the brand check. */
  protected static readonly errorName: string | undefined = undefined

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== 'object' || value === null || (value as Record<symbol, unknown>)[ERROR_BRAND] !== true) {
      return false
    }
    // biome-ignore lint/complexity/noThisInStatic: the class `instanceof` was asked of (a subclass names itself).
    return this.errorName === undefined || (value as Error).name === this.errorName
  }
}
Object.defineProperty(TokensError.prototype, ERROR_BRAND, { value: true })

/**
 * True for any error of the family ({@link TokensError}), from any copy of this package, narrowed so
 * that `name` tells a {@link TokenError} from a {@link GraphApiError}.
 *
 * @example
 * ```ts
 * import { isTokensError } from '@tokens/core'
 * try { await tokens.graph.get('/me', { token: raw }) } catch (e) {
 *   if (isTokensError(e)) console.warn(e.name === 'GraphApiError' ? `Graph ${e.code}` : `refused: ${e.code}`)
 * }
 * ```
 */
export function isTokensError(value: unknown): value is AnyTokenError | GraphApiError {
  return value instanceof TokensError
}

/**
 * Why a {@link TokenError} of code `C` was refused: a reason for `invalid_token`, none otherwise.
 *
 * @example
 * ```ts
 * import type { ReasonOf } from '@tokens/core'
 * const reason: ReasonOf<'invalid_token'> = 'expired' // InvalidTokenReason
 * const none: ReasonOf<'insufficient_scope'> = undefined
 * ```
 */
export type ReasonOf<C extends TokenErrorCode> = C extends 'invalid_token' ? InvalidTokenReason : undefined

/**
 * A {@link TokenError} of any one code: what {@link isTokenError} narrows to, so that checking
 * `code` narrows `reason` (an {@link InvalidTokenReason} exactly when `code` is `invalid_token`).
 *
 * @example
 * ```ts
 * import { type AnyTokenError, isTokenError } from '@tokens/core'
 * function describe(error: AnyTokenError): string {
 *   return error.code === 'invalid_token' ? `refused: ${error.reason}` : error.code // reason: InvalidTokenReason
 * }
 * try { await tokens.verify(raw) } catch (e) { if (isTokenError(e)) console.log(describe(e)) }
 * ```
 */
export type AnyTokenError = { [C in TokenErrorCode]: TokenError<C> }[TokenErrorCode]
const MISCONFIGURED_DESCRIPTION = 'The server could not verify the access token'
const DEFAULT_RETRY_AFTER_SECONDS = 5

function quote(value: string): string {
  // RFC 7235 quoted-string; descriptions are ours, but keep the header well-formed whatever they say.
  return `"${value.replace(/[\\"]/g, '\\$&').replace(/[^\x20-\x7e]/g, '?')}"`
}

/**
 * The one error every rejection of a request's token is. Branch on `code`, not on `instanceof`.
 * `status` and `headers` come from the core's table, so every adapter answers the same bytes.
 * Two codes are the server's side, not the client's: `graph_unavailable` and `store_unavailable`
 * (503 with `Retry-After`: Graph or the token store is down) and `misconfigured` (500: Graph refused
 * the app's own credentials; its message says what to fix, its answer to the client does not).
 *
 * @example
 * ```ts
 * import { TokenError } from '@tokens/core'
 * const error = new TokenError('invalid_token', 'The access token expired', { reason: 'expired' })
 * error.status // 401
 * error.headers['WWW-Authenticate'] // 'Bearer realm="api", error="invalid_token", error_description="The access token expired"'
 * ```
 */
export class TokenError<C extends TokenErrorCode = TokenErrorCode> extends TokensError {
  override readonly name = 'TokenError' as const
  protected static override readonly errorName = 'TokenError'
  readonly code: C
  readonly status: TokenErrorStatus
  /** Why an `invalid_token` was refused (`invalidated` when not said); `undefined` for every other code. */
  readonly reason: ReasonOf<C>
  readonly scopes: readonly string[]
  readonly retryAfterSeconds: number | undefined
  /** The realm given to the constructor, if any: it wins over the one a response is rendered with. */
  readonly realm: string | undefined

  constructor(code: C, description: string, details: TokenErrorDetails = {}) {
    super(description, details.cause === undefined ? undefined : { cause: details.cause })
    this.code = code
    this.status = STATUS[code]
    this.reason = (code === 'invalid_token' ? (details.reason ?? 'invalidated') : undefined) as ReasonOf<C>
    this.scopes = details.scopes ?? []
    this.retryAfterSeconds =
      code === 'graph_unavailable' || code === 'store_unavailable'
        ? (details.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS)
        : undefined
    this.realm = details.realm
    publishError(this)
  }

  /**
   * The response headers, with the challenge in the default realm (`'api'`, or the error's own):
   * adapters render with {@link TokenError.toResponse} and their realm instead.
   */
  get headers(): Record<string, string> {
    return this.#headers(DEFAULT_REALM)
  }

  /**
   * The RFC 6750 challenge in `realm` (the error's own realm wins), `Retry-After` for
   * `graph_unavailable` and `store_unavailable`, nothing more for `misconfigured` (the server's fault).
   */
  #headers(rendered: string): Record<string, string> {
    const headers: Record<string, string> = { 'Cache-Control': 'no-store' }
    const realm = `Bearer realm=${quote(this.realm ?? rendered)}`
    switch (this.code) {
      case 'token_required':
        headers['WWW-Authenticate'] = realm
        break
      case 'invalid_request':
      case 'invalid_token':
        headers['WWW-Authenticate'] = `${realm}, error="${this.code}", error_description=${quote(this.message)}`
        break
      case 'insufficient_scope': {
        const scope = this.scopes.length > 0 ? `, scope=${quote(this.scopes.join(' '))}` : ''
        headers['WWW-Authenticate'] =
          `${realm}, error="insufficient_scope", error_description=${quote(this.message)}${scope}`
        break
      }
      case 'graph_unavailable':
      case 'store_unavailable':
        headers['Retry-After'] = String(this.retryAfterSeconds)
        break
      case 'misconfigured':
        break
      default:
        assertNever(this.code)
    }
    return headers
  }

  /**
   * The status, headers and JSON body an adapter sends. `realm` is the challenge's realm (the core's
   * `realm` option, `tokens.realm`); the only place a realm is applied.
   */
  toResponse(realm: string = DEFAULT_REALM): TokenErrorResponse {
    // What is wrong with the server's configuration is for its logs, not for its clients.
    const description = this.code === 'misconfigured' ? MISCONFIGURED_DESCRIPTION : this.message
    const body: TokenErrorBody = { error: this.code, error_description: description }
    if (this.reason !== undefined) body.reason = this.reason
    return { status: this.status, headers: this.#headers(realm), body }
  }

  /** The JSON body, so `JSON.stringify(error)` never shows more than a client may see. */
  toJSON(): TokenErrorBody {
    return this.toResponse().body
  }
}

/**
 * True for a {@link TokenError} from any copy of this package (ESM and CJS builds side by side),
 * narrowed to {@link AnyTokenError}: checking `code` narrows `reason`.
 *
 * @example
 * ```ts
 * import { isTokenError } from '@tokens/core'
 * try { await tokens.verify(raw) } catch (e) {
 *   if (isTokenError(e) && e.code === 'invalid_token') console.log(e.reason) // 'expired' | 'invalidated' | …
 * }
 * ```
 */
export function isTokenError(value: unknown): value is AnyTokenError {
  return value instanceof TokenError
}

/** Compile-time exhaustiveness check for switches over unions. */
export function assertNever(value: never): never {
  throw new TypeError(`Unexpected value: ${String(value)}`)
}
