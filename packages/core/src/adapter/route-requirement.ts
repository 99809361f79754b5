import { checkTokenRequirement, type TokenRequirement } from '../requirement.js'
import type { TokenType } from '../token.js'
import type { AuthenticateOptions } from '../tokens.js'

/**
 * A route's requirement, validated once when the route is defined (a type such as `'pgae'` or scopes
 * that are not strings throw a `TypeError` naming `caller`), in the two forms the core's
 * `authenticate` takes per request: for a request secure enough to carry a token, and for one that is
 * not (refused as `invalid_request` before any Graph call).
 *
 * @example
 * ```ts
 * import { RouteRequirement } from '@tokens/core/adapter'
 * const route = new RouteRequirement({ type: 'page', scopes: ['pages_manage_posts'] }, { required: true, caller: 'requireToken()' })
 * route.options(true) // { type: 'page', scopes: ['pages_manage_posts'], required: true, secure: true }
 * ```
 */
export class RouteRequirement<T extends TokenType = TokenType> {
  /** The requirement as given (type and scopes). */
  readonly requirement: TokenRequirement<T>
  readonly #secure: AuthenticateOptions<T>
  readonly #insecure: AuthenticateOptions<T>

  constructor(requirement: TokenRequirement<T>, options: { required: boolean; caller: string }) {
    checkTokenRequirement(requirement, options.caller)
    const own: TokenRequirement<T> = {}
    if (requirement.type !== undefined) own.type = requirement.type
    if (requirement.scopes !== undefined) own.scopes = requirement.scopes
    this.requirement = Object.freeze(own)
    this.#secure = Object.freeze({ ...own, required: options.required, secure: true })
    this.#insecure = Object.freeze({ ...own, required: options.required, secure: false })
  }

  /** The core's `authenticate` options for a request that is (or is not) secure enough. */
  options(secure: boolean): AuthenticateOptions<T> {
    return secure ? this.#secure : this.#insecure
  }
}
