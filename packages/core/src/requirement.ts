import { TokenError } from './errors.js'
import type { AccessToken, TokenOfType, TokenType } from './token.js'

/** What a route demands of a token. */
export interface TokenRequirement<T extends TokenType = TokenType> {
  /** Accepted token types: one or a list. @default every type */
  type?: T | readonly T[]
  /** Scopes the token must have, all of them. @default [] */
  scopes?: readonly string[]
}

/** The types a requirement accepts, as a list. */
export function acceptedTypes<T extends TokenType>(type: T | readonly T[] | undefined): readonly T[] | undefined {
  if (type === undefined) return undefined
  return typeof type === 'string' ? [type] : type
}

/**
 * Checks a verified token against a requirement: `token_required` when there is none,
 * `insufficient_scope` for the wrong type or a missing scope. Returns the token, narrowed.
 *
 * @example
 * ```ts
 * import { checkRequirement } from '@tokens/core'
 * const token = await tokens.authenticate(req) // undefined when the request carries no token
 * const page = checkRequirement(token, { type: 'page', scopes: ['pages_manage_posts'] })
 * page.pageId
 * ```
 */
export function checkRequirement<T extends TokenType = TokenType>(
  token: AccessToken | undefined,
  requirement: TokenRequirement<T> = {},
  realm = 'api',
): TokenOfType<T> {
  const scopes = requirement.scopes ?? []
  if (token === undefined) throw new TokenError('token_required', 'An access token is required', { realm, scopes })
  const types = acceptedTypes(requirement.type)
  if (types !== undefined && !(types as readonly TokenType[]).includes(token.type)) {
    throw new TokenError(
      'insufficient_scope',
      `A ${types.join(' or ')} token is required; this is a ${token.type} token`,
      { realm, scopes },
    )
  }
  const missing = scopes.filter((scope) => !token.hasScope(scope))
  if (missing.length > 0) {
    throw new TokenError('insufficient_scope', `The access token lacks the scope ${missing.join(', ')}`, {
      realm,
      scopes,
    })
  }
  return token as TokenOfType<T>
}
