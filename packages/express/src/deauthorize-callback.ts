import type { SignedRequestPayload } from '@tokens/core'
import type { RequestHandler } from 'express'
import { type CallbackOptions, signedRequestHandler } from './callback-options.js'

/**
 * Options of {@link deauthorizeCallback}.
 *
 * @example
 * ```ts
 * const options: DeauthorizeCallbackOptions = {
 *   onDeauthorize: (payload) => console.info('app removed by', payload.user_id),
 * }
 * ```
 */
export interface DeauthorizeCallbackOptions extends CallbackOptions {
  /** Runs after the core revoked the user's tokens (end sessions, flag the account…). @default none */
  onDeauthorize?: (payload: SignedRequestPayload) => void | Promise<void>
}

/**
 * The POST handler of Meta's Deauthorize Callback URL. It reads the form body itself when no body
 * parser ran, lets the core verify the `signed_request` (signature, age, replay) and revoke every
 * cached and stored token of the user, then answers 200. A forged, stale or replayed request is
 * answered 400 `invalid_request` and nothing is revoked.
 *
 * @example
 * ```ts
 * app.use(tokens({ appId, appSecret }))
 * app.post('/meta/deauthorize', deauthorizeCallback())
 * // Meta app dashboard → Facebook Login → Settings → Deauthorize callback URL: https://example.com/meta/deauthorize
 * ```
 */
export function deauthorizeCallback(options: DeauthorizeCallbackOptions = {}): RequestHandler {
  return signedRequestHandler('deauthorizeCallback', options, async (core, signedRequest, res) => {
    const payload = await core.deauthorize(signedRequest)
    await options.onDeauthorize?.(payload)
    res.status(200).json({ success: true })
  })
}
