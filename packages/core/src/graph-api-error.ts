import { publishError } from './diagnostics.js'
import { TokensError } from './errors.js'
import { scrub } from './graph-redaction.js'

/**
 * How a Graph error should be handled (docs/graph-protocol.md#error-classification).
 *
 * @example
 * ```ts
 * import type { GraphApiError, GraphErrorCategory } from '@tokens/core'
 * function nextStep(error: GraphApiError): string {
 *   const category: GraphErrorCategory = error.category
 *   switch (category) {
 *     case 'auth': return 'ask the user to log in again'
 *     case 'permission': return 'ask the user for the missing permission'
 *     case 'throttle': case 'transient': return 'try again later'
 *     case 'request': case 'unknown': return 'fix the call'
 *   }
 * }
 * ```
 */
export type GraphErrorCategory = 'auth' | 'throttle' | 'transient' | 'permission' | 'request' | 'unknown'

/** Graph's error object, as it appears under `error` in a response body. */
export interface GraphErrorBody {
  message?: unknown
  type?: unknown
  code?: unknown
  error_subcode?: unknown
  subcode?: unknown
  error_user_title?: unknown
  error_user_msg?: unknown
  fbtrace_id?: unknown
  is_transient?: unknown
}

const THROTTLE_CODES = new Set([4, 17, 32, 341, 613])

/**
 * Classifies a Graph error code: auth (102, 190), throttle (4, 17, 32, 341, 613, 80001-80014),
 * transient (1, 2, or `is_transient`), permission (10, 200-299), request (100 and the rest).
 *
 * @example
 * ```ts
 * import { classifyGraphError } from '@tokens/core'
 * classifyGraphError(190) // 'auth'
 * classifyGraphError(4)   // 'throttle'
 * ```
 */
export function classifyGraphError(code: number, isTransient = false): GraphErrorCategory {
  if (code === 102 || code === 190) return 'auth'
  if (THROTTLE_CODES.has(code) || (code >= 80001 && code <= 80014)) return 'throttle'
  if (isTransient || code === 1 || code === 2) return 'transient'
  if (code === 10 || (code >= 200 && code <= 299)) return 'permission'
  if (code > 0) return 'request'
  return 'unknown'
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

function integer(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value
  if (typeof value === 'string' && /^\d{1,9}$/.test(value)) return Number(value)
  return undefined
}

/**
 * An error answered by the Graph API, parsed from its body. Messages are Graph's own, with any raw
 * token the call carried removed.
 *
 * @example
 * ```ts
 * import { GraphApiError } from '@tokens/core'
 * try { await tokens.graph.get('/me', { token: raw }) } catch (e) {
 *   if (e instanceof GraphApiError && e.category === 'auth') console.log('log the user in again', e.subcode)
 * }
 * ```
 */
export class GraphApiError extends TokensError {
  override readonly name = 'GraphApiError' as const
  protected static override readonly errorName = 'GraphApiError'
  /** Graph's error `code` (0 when the body had none). */
  readonly code: number
  /** `error_subcode` (or `subcode`, as in `debug_token`). */
  readonly subcode: number | undefined
  /** Graph's `type`, e.g. `OAuthException`. */
  readonly type: string | undefined
  readonly fbtraceId: string | undefined
  readonly isTransient: boolean
  readonly userTitle: string | undefined
  readonly userMessage: string | undefined
  /**
   * The HTTP status of Graph's answer. Deliberately not named `status`: frameworks would send it to
   * your client as is (a throttled Graph answers 400).
   */
  readonly httpStatus: number
  readonly category: GraphErrorCategory

  constructor(status: number, body: GraphErrorBody, secrets: readonly string[] = []) {
    super(scrub(text(body.message) ?? `Graph API answered HTTP ${status}`, secrets))
    this.httpStatus = status
    this.code = integer(body.code) ?? 0
    this.subcode = integer(body.error_subcode) ?? integer(body.subcode)
    this.type = text(body.type)
    this.fbtraceId = text(body.fbtrace_id)
    this.isTransient = body.is_transient === true
    const userTitle = text(body.error_user_title)
    const userMessage = text(body.error_user_msg)
    this.userTitle = userTitle === undefined ? undefined : scrub(userTitle, secrets)
    this.userMessage = userMessage === undefined ? undefined : scrub(userMessage, secrets)
    this.category = classifyGraphError(this.code, this.isTransient)
    if (this.category === 'unknown' && status >= 500) this.category = 'transient'
    publishError(this)
  }

  /**
   * Whether Graph refused the app's own credentials, whatever the call: an unknown app id (101), a
   * wrong client secret (`Error validating client secret`, code 1), a wrong `appsecret_proof`. The
   * server's configuration is wrong: retrying cannot help, and no client is to blame.
   */
  get credentialsRefused(): boolean {
    if (this.code === 101) return true
    // Graph's own words for these refusals (a message that merely echoes a request naming
    // `appsecret_proof` is not one of them).
    return /^(\(#\d+\) )?(error validating client secret|invalid appsecret_proof provided|api calls from the server require an appsecret_proof|you must provide an app access token)/i.test(
      this.message,
    )
  }

  /** Whether retrying later may succeed (transient and throttle errors; never refused credentials). */
  get retryable(): boolean {
    return (this.category === 'transient' || this.category === 'throttle') && !this.credentialsRefused
  }
}
