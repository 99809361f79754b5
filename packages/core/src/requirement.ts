import { REASON_DESCRIPTIONS } from './debug-token.js'
import { TokenError } from './errors.js'
import type { AccessToken, TokenOfType, TokenType } from './token.js'

/**
 * What a route demands of a token.
 *
 * @example
 * ```ts
 * import type { TokenRequirement } from '@tokens/core'
 * const canPost: TokenRequirement<'page'> = { type: 'page', scopes: ['pages_manage_posts'] }
 * const page = await tokens.verify(raw, canPost) // a PageToken that may post, or an insufficient_scope TokenError
 * ```
 */
export interface TokenRequirement<T extends TokenType = TokenType> {
  /**
   * Accepted token types: one or a list. @default every type but `client` and `limited_login`
   * (each is accepted only where a requirement names it)
   */
  type?: T | readonly T[]
  /** Scopes the token must have, all of them. @default [] */
  scopes?: readonly string[]
}

/** Every token type, so that a typo in plain JavaScript fails at startup rather than refusing every token. */
const TOKEN_TYPES: Readonly<Record<TokenType, true>> = {
  user: true,
  page: true,
  app: true,
  system_user: true,
  client: true,
  limited_login: true,
}

/**
 * Types accepted only by a requirement that names them. A client token (`{app_id}|{client_token}`)
 * ships inside every copy of the app, so anyone has it; a Limited Login token names a person but
 * cannot call Graph, so it never stands in for an access token.
 */
const NAMED_ONLY: ReadonlySet<TokenType> = new Set<TokenType>(['client', 'limited_login'])

/** The types a requirement accepts, as a list. */
export function acceptedTypes<T extends TokenType>(type: T | readonly T[] | undefined): readonly T[] | undefined {
  if (type === undefined) return undefined
  return typeof type === 'string' ? [type] : type
}

/** Whether a requirement accepts tokens of `type` only because it names them. */
export function acceptsOnlyWhenNamed(type: TokenType): boolean {
  return NAMED_ONLY.has(type)
}

/** Whether `token`'s type is one the requirement accepts (a named-only type must be named). */
export function typeAccepted(token: AccessToken, types: readonly TokenType[] | undefined): boolean {
  if (types === undefined) return !NAMED_ONLY.has(token.type)
  return types.includes(token.type)
}

/**
 * Throws a `TypeError` naming `caller` when a requirement cannot be met by any token: an unknown
 * type (a typo such as `'pgae'`), an empty list, scopes that are not strings. Adapters call it when a
 * route is defined, so a mistake fails at startup rather than refusing every request.
 *
 * @example
 * ```ts
 * import { checkTokenRequirement } from '@tokens/core/adapter'
 * checkTokenRequirement({ type: 'page', scopes: ['pages_manage_posts'] }, 'requireToken()')
 * ```
 */
export function checkTokenRequirement(requirement: TokenRequirement<TokenType>, caller: string): void {
  const { type, scopes } = requirement
  const types: unknown = type === undefined ? [] : typeof type === 'string' ? [type] : type
  const known = (t: unknown) => typeof t === 'string' && Object.hasOwn(TOKEN_TYPES, t)
  if (!Array.isArray(types) || !types.every(known) || (type !== undefined && types.length === 0)) {
    throw new TypeError(`${caller}: type must be one of ${Object.keys(TOKEN_TYPES).join(', ')}, or a list of them`)
  }
  const scopeList: unknown = scopes
  if (scopeList !== undefined && !(Array.isArray(scopeList) && scopeList.every((s) => typeof s === 'string'))) {
    throw new TypeError(`${caller}: scopes must be an array of strings`)
  }
}

/**
 * Checks a verified token against a requirement: `token_required` when there is none,
 * `insufficient_scope` for the wrong type or a missing scope, `invalid_token` (reason
 * `client_token` or `limited_login`) for a client or Limited Login token where the requirement does
 * not name its type. Returns the
 * token, narrowed. Users call it as `tokens.authorize()`.
 */
export function checkRequirement<T extends TokenType = TokenType>(
  token: AccessToken | undefined,
  requirement: TokenRequirement<T> = {},
): TokenOfType<T> {
  const scopes = requirement.scopes ?? []
  if (token === undefined) throw new TokenError('token_required', 'An access token is required', { scopes })
  const types = acceptedTypes<TokenType>(requirement.type)
  if (!typeAccepted(token, types)) {
    if (NAMED_ONLY.has(token.type)) {
      const reason = token.type === 'limited_login' ? 'limited_login' : 'client_token'
      throw new TokenError('invalid_token', REASON_DESCRIPTIONS[reason], { reason })
    }
    throw new TokenError(
      'insufficient_scope',
      `A ${(types ?? []).join(' or ')} token is required; this is a ${token.type} token`,
      { scopes },
    )
  }
  const missing = scopes.filter((scope) => !token.hasScope(scope))
  if (missing.length > 0) {
    throw new TokenError('insufficient_scope', `The access token lacks the scope ${missing.join(', ')}`, {
      scopes,
    })
  }
  return token as TokenOfType<T>
}
