import type { InvalidTokenReason, TokenErrorCode } from './errors.js'
import type { TokenType } from './token.js'
import type { AppUsage } from './usage.js'

/**
 * What the core reports to `onEvent`, for logs and metrics. No event carries a raw token: tokens
 * are named by `fingerprint`, the first 12 hex digits of their SHA-256.
 *
 * @example
 * ```ts
 * import { createTokens, type TokensEvent } from '@tokens/core'
 * function log(event: TokensEvent): void {
 *   if (event.type === 'verify' && !event.cached) console.log('debug_token', event.outcome, `${event.durationMs}ms`)
 *   if (event.type === 'error') console.error(event.where, event.message)
 * }
 * const tokens = createTokens({ appId, appSecret, onEvent: log })
 * ```
 */
export type TokensEvent =
  | {
      type: 'verify'
      outcome: 'valid' | 'rejected'
      /** Answered from the cache, without a Graph call. */
      cached: boolean
      /** Decided from the token alone, without cache or Graph: app and client tokens, malformed or another app's `{app_id}|…`. */
      local?: true
      durationMs: number
      fingerprint: string
      tokenType?: TokenType
      code?: TokenErrorCode
      reason?: InvalidTokenReason
    }
  | {
      type: 'graph_call'
      method: string
      path: string
      status: number
      durationMs: number
      attempt: number
      usage?: AppUsage | undefined
      errorCode?: number
      error?: string
    }
  | { type: 'stale_accept'; fingerprint: string; tokenType: TokenType; ageMs: number }
  | { type: 'store_write'; kind: 'user' | 'page' | 'system_user'; appId: string; userId?: string; pageId?: string }
  | { type: 'revoke'; userId: string }
  | {
      type: 'error'
      /**
       * `credentials`: Graph refused the app's own id or secret (the message says which; never the
       * secret). `jwks`: Meta's Limited Login keys could not be refreshed (the kept ones serve).
       */
      where: 'cache' | 'store' | 'callback' | 'credentials' | 'jwks'
      message: string
    }

/**
 * The `type` of every event.
 *
 * @example
 * ```ts
 * import { createTokens, type TokensEventType } from '@tokens/core'
 * const counts = new Map<TokensEventType, number>()
 * const tokens = createTokens({
 *   appId,
 *   appSecret,
 *   onEvent: (event) => counts.set(event.type, (counts.get(event.type) ?? 0) + 1),
 * })
 * ```
 */
export type TokensEventType = TokensEvent['type']

/** The message of an `error` event: the error's own (no raw token reaches one), or `fallback`. */
export function messageOf(error: unknown, fallback: string): string {
  return error instanceof Error ? error.message : fallback
}
