/** The fields of a Graph error body, before `fbtrace_id` is added. */
export interface GraphErrorBody {
  message: string
  type: 'OAuthException' | 'GraphMethodException'
  code: number
  error_subcode?: number
  is_transient?: boolean
}

/** How much of a message `WWW-Authenticate` repeats (a message may echo a long input). */
const MAX_HEADER_MESSAGE = 512

const TRANSIENT_CODES = new Set([1, 2, 4, 17, 32, 341, 613])

/** Graph's own words for the codes the fault injector can produce. */
const CANNED: Record<number, string> = {
  1: 'An unknown error has occurred.',
  2: 'An unexpected error has occurred. Please retry your request later.',
  4: '(#4) Application request limit reached',
  10: '(#10) Application does not have permission for this action',
  17: '(#17) User request limit reached',
  32: '(#32) Page request limit reached',
  100: '(#100) Invalid parameter',
  102: 'Session key invalid or no longer valid',
  190: 'Invalid OAuth access token data.',
  200: '(#200) Permissions error',
  341: '(#341) Application limit reached',
  368: '(#368) The action attempted has been deemed abusive or is otherwise disallowed',
  613: '(#613) Calls to this api have exceeded the rate limit.',
  80001:
    '(#80001) There have been too many calls to this Page account. Wait a bit and try again. For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.',
}

/** The HTTP status Graph answers a given error code with. */
export function statusForCode(code: number): number {
  if (code === 1 || code === 2) return 500
  if (code === 10 || (code >= 200 && code <= 299)) return 403
  return 400
}

/** Whether Graph marks an error of this code `is_transient: true`. */
export function isTransientCode(code: number): boolean {
  return TRANSIENT_CODES.has(code) || (code >= 80000 && code <= 80014)
}

/** A Graph error answer: the HTTP status, the body and, for token errors, `WWW-Authenticate`. */
export class GraphError extends Error {
  readonly status: number
  readonly body: GraphErrorBody
  readonly invalidToken: boolean

  constructor(body: GraphErrorBody, status = statusForCode(body.code), invalidToken = false) {
    super(body.message)
    this.name = 'GraphError'
    this.body = body
    this.status = status
    this.invalidToken = invalidToken
  }

  /**
   * The `WWW-Authenticate` header Graph sends with an `OAuthException`: `OAuth "Facebook Platform"
   * "<error>" "<message>"`, where `<error>` is `invalid_token` (190, 102), `not_found` (803) or
   * `invalid_request`; `undefined` for a `GraphMethodException`. The message is reduced to printable
   * ASCII without double quotes, and cut at 512 characters, so that no input can break the header.
   */
  wwwAuthenticate(): string | undefined {
    if (this.body.type !== 'OAuthException') return undefined
    const { code } = this.body
    const kind =
      this.invalidToken || code === 190 || code === 102
        ? 'invalid_token'
        : code === 803
          ? 'not_found'
          : 'invalid_request'
    const printable = this.body.message.replace(/"/g, "'").replace(/[^\x20-\x7e]/g, '?')
    const message = printable.length > MAX_HEADER_MESSAGE ? `${printable.slice(0, MAX_HEADER_MESSAGE)}...` : printable
    return `OAuth "Facebook Platform" "${kind}" "${message}"`
  }

  /** `OAuthException` with the given code (and subcode). */
  static oauth(code: number, message: string, subcode?: number): GraphError {
    const body: GraphErrorBody = { message, type: 'OAuthException', code }
    if (subcode !== undefined) body.error_subcode = subcode
    return new GraphError(body, code === 1 || code === 2 ? 400 : statusForCode(code))
  }

  /** `GraphMethodException` code 100, as for missing/invalid `appsecret_proof` and unsupported methods. */
  static method(message: string, subcode?: number): GraphError {
    const body: GraphErrorBody = { message, type: 'GraphMethodException', code: 100 }
    if (subcode !== undefined) body.error_subcode = subcode
    return new GraphError(body)
  }

  /** Code 190 (with an optional subcode), sent with `WWW-Authenticate`. */
  static invalidToken(message: string, subcode?: number): GraphError {
    const body: GraphErrorBody = { message, type: 'OAuthException', code: 190 }
    if (subcode !== undefined) body.error_subcode = subcode
    return new GraphError(body, 400, true)
  }

  /** The canned body Graph sends for `code` (used by fault injection and throttling). */
  static forCode(code: number, status?: number): GraphError {
    const message =
      CANNED[code] ??
      (code >= 80000 && code <= 80014
        ? `(#${code}) There have been too many calls for this business use case. Wait a bit and try again.`
        : `(#${code}) An error occurred`)
    const body: GraphErrorBody = { message, type: 'OAuthException', code }
    if (isTransientCode(code)) body.is_transient = true
    return new GraphError(body, status ?? statusForCode(code), code === 190 || code === 102)
  }

  /** A 5xx fault: Graph's transient "unexpected error" body under the given status. */
  static server(status: number): GraphError {
    return new GraphError(
      {
        message: CANNED[2] ?? 'An unexpected error has occurred.',
        type: 'OAuthException',
        code: 2,
        is_transient: true,
      },
      status,
    )
  }
}

/** "Cannot parse access token": the answer to garbage. */
export function unparsableToken(): GraphError {
  return GraphError.invalidToken('Invalid OAuth access token - Cannot parse access token')
}

/** The unsupported-method answer for a known path. */
export function unsupportedMethod(method: string): GraphError {
  return GraphError.method(
    `Unsupported ${method.toLowerCase()} request. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`,
  )
}

/** The answer for a node id that does not exist or cannot be seen with this token. */
export function unknownObject(method: string, id: string): GraphError {
  return GraphError.method(
    `Unsupported ${method.toLowerCase()} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`,
    33,
  )
}

/** A missing required parameter (code 100). */
export function missingParam(name: string): GraphError {
  return GraphError.oauth(100, `(#100) The parameter ${name} is required`)
}
