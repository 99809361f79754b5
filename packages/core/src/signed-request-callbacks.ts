import { randomBytes } from 'node:crypto'
import type { VerificationCache } from './cache.js'
import { isTokenError, TokenError } from './errors.js'
import { messageOf, type TokensEvent } from './events.js'
import type { ResolvedOptions } from './options.js'
import { parseSignedRequest, type SignedRequestPayload, signatureOf } from './signed-request.js'
import { tokenKey } from './token-key.js'

/**
 * Options of `Tokens.dataDeletion`.
 *
 * @example
 * ```ts
 * import type { DataDeletionOptions } from '@tokens/core'
 * const profiles = new Map<string, { name: string }>() // what the app keeps of its users
 * const options: DataDeletionOptions = {
 *   statusUrl: 'https://example.com/deletion', // the confirmation code is appended as ?id=
 *   onDelete: (userId) => {
 *     profiles.delete(userId)
 *   },
 * }
 * res.json(await tokens.dataDeletion(req.body.signed_request, options))
 * ```
 */
export interface DataDeletionOptions {
  /** Where the user can check the deletion: a URL (the code is appended as `?id=`) or a function of the code. */
  statusUrl: string | ((confirmationCode: string) => string)
  /**
   * Deletes the user's data; runs before the answer is sent (the core then deletes the user's tokens
   * itself). Required: Meta's answer confirms a deletion, so something must delete. An app that keeps
   * nothing of a user but tokens passes `() => {}`.
   */
  onDelete: (userId: string, confirmationCode: string) => void | Promise<void>
}

/**
 * Throws a `TypeError` naming the option when {@link DataDeletionOptions} are unusable (no `statusUrl`,
 * no `onDelete`): adapters call it at startup, so a misconfigured callback fails before Meta calls it.
 *
 * @example
 * ```ts
 * import { checkDataDeletionOptions } from '@tokens/core/adapter'
 * checkDataDeletionOptions({ statusUrl: 'https://example.com/deletion', onDelete: () => {} }, 'myCallback')
 * ```
 */
export function checkDataDeletionOptions(options: DataDeletionOptions, caller: string): void {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${caller}(): options are required`)
  const { statusUrl, onDelete } = options
  if (typeof statusUrl !== 'string' && typeof statusUrl !== 'function') {
    throw new TypeError(`${caller}(): option 'statusUrl' is required (a URL, or a function of the confirmation code)`)
  }
  if (typeof onDelete !== 'function') throw new TypeError(`${caller}(): option 'onDelete' must be a function`)
}

/**
 * What Meta expects back from a data deletion callback.
 *
 * @example
 * ```ts
 * import type { DataDeletionAnswer } from '@tokens/core'
 * const answer: DataDeletionAnswer = await tokens.dataDeletion(req.body.signed_request, {
 *   statusUrl: (code) => `https://example.com/deletion/${code}`,
 *   onDelete: () => {}, // the app keeps nothing of its users but their tokens
 * })
 * res.json(answer) // { url: 'https://example.com/deletion/…', confirmation_code: '…' }
 * ```
 */
export interface DataDeletionAnswer {
  url: string
  confirmation_code: string
}

/**
 * Meta's deauthorize and data deletion callbacks: each `signed_request` verified (signature, age),
 * handled at most once in every core sharing the cache (its `claim`, keyed by the signature's bytes),
 * and the user revoked. A handling that fails releases its claim, so Meta's retry is handled.
 */
export class SignedRequestCallbacks {
  readonly #options: ResolvedOptions
  readonly #cache: VerificationCache
  readonly #emit: (event: TokensEvent) => void
  readonly #revokeUser: (userId: string) => Promise<void>
  /** Signatures handled (or in flight) in this process, and until when a replay is refused (ms). */
  readonly #seen = new Map<string, number>()

  constructor(
    options: ResolvedOptions,
    cache: VerificationCache,
    emit: (event: TokensEvent) => void,
    revokeUser: (userId: string) => Promise<void>,
  ) {
    this.#options = options
    this.#cache = cache
    this.#emit = emit
    this.#revokeUser = revokeUser
  }

  /** Verifies a `signed_request` with the app secret; anything wrong is `invalid_request`. */
  parse(signedRequest: unknown): SignedRequestPayload {
    const { appSecret, clock, signedRequestMaxAgeSeconds } = this.#options
    try {
      return parseSignedRequest(signedRequest, appSecret, { clock, maxAgeSeconds: signedRequestMaxAgeSeconds })
    } catch (error) {
      if (isTokenError(error)) throw new TokenError('invalid_request', error.message, {})
      throw error
    }
  }

  /** Verifies, refuses a replay, and forgets every cached and stored token of the user. */
  deauthorize(signedRequest: unknown): Promise<SignedRequestPayload> {
    return this.#once(signedRequest, async (payload) => {
      await this.#revokeUser(payload.user_id)
      return payload
    })
  }

  /** Verifies, calls `onDelete`, revokes the user, and returns the `{ url, confirmation_code }` Meta requires. */
  async dataDeletion(signedRequest: unknown, options: DataDeletionOptions): Promise<DataDeletionAnswer> {
    checkDataDeletionOptions(options, 'dataDeletion')
    return this.#once(signedRequest, async (payload) => {
      const code = randomBytes(12).toString('hex')
      await options.onDelete(payload.user_id, code)
      await this.#revokeUser(payload.user_id)
      const url =
        typeof options.statusUrl === 'function'
          ? options.statusUrl(code)
          : `${options.statusUrl}${options.statusUrl.includes('?') ? '&' : '?'}id=${code}`
      return { url, confirmation_code: code }
    })
  }

  /**
   * Parses a signed request and handles it at most once: a replay is refused while the first is in
   * flight or after it succeeded; a failed handling can be retried (Meta retries callbacks). A cache
   * with `claim` (Redis) extends this to every process sharing it.
   */
  async #once<T>(signedRequest: unknown, handle: (payload: SignedRequestPayload) => Promise<T>): Promise<T> {
    const payload = this.parse(signedRequest)
    const now = this.#options.clock()
    for (const [key, until] of this.#seen) if (until <= now) this.#seen.delete(key)
    // Keyed by the signature's bytes, not its spelling: one signature has several base64url spellings.
    const key = tokenKey(signatureOf(String(signedRequest)))
    const replay = () => new TokenError('invalid_request', 'signed_request was already used', {})
    if (this.#seen.has(key)) throw replay()
    const maxAge = this.#options.signedRequestMaxAgeSeconds || 86_400
    const until = payload.issued_at * 1000 + maxAge * 1000
    this.#seen.set(key, until)
    const claimed = await this.#claim(`signed_request:${key}`, Math.max(1, Math.ceil(until - now)))
    if (claimed === false) throw replay() // handled by another process: stays refused here too
    try {
      return await handle(payload)
    } catch (error) {
      this.#seen.delete(key)
      if (claimed) await this.#release(`signed_request:${key}`)
      throw error
    }
  }

  /**
   * The shared cache's claim: `true` or `false`, or `undefined` when it cannot claim (no `claim`, or
   * the cache is down). Revoking matters more than refusing a replay, so an unreachable cache
   * leaves only this process's check, with an error event.
   */
  async #claim(key: string, ttlMs: number): Promise<boolean | undefined> {
    if (this.#cache.claim === undefined) return undefined
    try {
      return await this.#cache.claim(key, ttlMs)
    } catch (error) {
      this.#emit({ type: 'error', where: 'cache', message: messageOf(error, 'claim failed') })
      return undefined
    }
  }

  async #release(key: string): Promise<void> {
    try {
      await this.#cache.release?.(key)
    } catch (error) {
      this.#emit({ type: 'error', where: 'cache', message: messageOf(error, 'release failed') })
    }
  }
}
