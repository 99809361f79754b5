import type { DataDeletionOptions } from '@tokens/core'
import { checkDataDeletionOptions } from '@tokens/core/adapter'
import type { RequestHandler } from 'express'
import { type CallbackOptions, signedRequestHandler } from './callback-options.js'

/**
 * Options of {@link dataDeletionCallback}: where users check the deletion, and what deletes.
 *
 * @example
 * ```ts
 * const options: DataDeletionCallbackOptions = {
 *   statusUrl: 'https://example.com/deletion',
 *   onDelete: async (userId) => {
 *     // delete what the app keeps about userId
 *   },
 * }
 * ```
 */
export interface DataDeletionCallbackOptions extends CallbackOptions, DataDeletionOptions {}

/**
 * The POST handler of Meta's Data Deletion Request Callback URL. The core verifies the
 * `signed_request` (signature, age, replay), runs `onDelete(userId, confirmationCode)`, revokes the
 * user's tokens, and the handler answers `{ url, confirmation_code }` as Meta requires. A forged,
 * stale or replayed request is answered 400 `invalid_request`; `onDelete` does not run.
 *
 * @example
 * ```ts
 * app.use(tokens({ appId, appSecret }))
 * app.post('/meta/data-deletion', dataDeletionCallback({
 *   statusUrl: 'https://example.com/deletion',
 *   onDelete: async (userId) => {
 *     // delete what the app keeps about userId
 *   },
 * }))
 * // Meta app dashboard → App settings → Basic → Data deletion request URL: https://example.com/meta/data-deletion
 * ```
 */
export function dataDeletionCallback(options: DataDeletionCallbackOptions): RequestHandler {
  checkDataDeletionOptions(options, 'dataDeletionCallback')
  const { statusUrl, onDelete } = options
  return signedRequestHandler('dataDeletionCallback', options, async (core, signedRequest, res) => {
    res.status(200).json(await core.dataDeletion(signedRequest, { statusUrl, onDelete }))
  })
}
