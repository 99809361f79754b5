import { createHmac, timingSafeEqual } from 'node:crypto'
import { TokenError } from './errors.js'

/**
 * The payload of a `signed_request` Meta POSTs to deauthorize and data deletion callbacks.
 *
 * @example
 * ```ts
 * import type { SignedRequestPayload } from '@tokens/core'
 * const payload: SignedRequestPayload = tokens.parseSignedRequest(req.body.signed_request)
 * console.log(`user ${payload.user_id}, signed at ${new Date(payload.issued_at * 1000).toISOString()}`)
 * ```
 */
export interface SignedRequestPayload {
  algorithm: 'HMAC-SHA256'
  /** The app-scoped id of the user. */
  user_id: string
  /** Unix seconds. */
  issued_at: number
  /** Unix seconds (data deletion requests). */
  expires?: number
  [field: string]: unknown
}

/**
 * Options of {@link parseSignedRequest}.
 *
 * @example
 * ```ts
 * import { parseSignedRequest, type SignedRequestOptions } from '@tokens/core'
 * const options: SignedRequestOptions = { maxAgeSeconds: 600 } // refuse what was signed over 10 minutes ago
 * const payload = parseSignedRequest(req.body.signed_request, appSecret, options)
 * ```
 */
export interface SignedRequestOptions {
  /** Refuse requests whose `issued_at` is older than this (replay protection); `0` disables. @default 3600 */
  maxAgeSeconds?: number
  /** The clock, in ms. @default Date.now */
  clock?: () => number
}

const MAX_LENGTH = 16_384
const BASE64URL = /^[A-Za-z0-9_-]+$/

function invalid(description: string): TokenError {
  return new TokenError('invalid_request', description)
}

/**
 * Verifies a `signed_request` (HMAC-SHA256 over the encoded payload, compared as raw bytes in
 * constant time) and returns its payload. Anything wrong is an `invalid_request` `TokenError`.
 *
 * @example
 * ```ts
 * import { parseSignedRequest } from '@tokens/core'
 * const payload = parseSignedRequest(req.body.signed_request, process.env.FB_APP_SECRET!)
 * console.log(payload.user_id)
 * ```
 */
export function parseSignedRequest(
  signedRequest: unknown,
  appSecret: string,
  options: SignedRequestOptions = {},
): SignedRequestPayload {
  if (typeof signedRequest !== 'string' || signedRequest.length === 0) throw invalid('signed_request is missing')
  if (signedRequest.length > MAX_LENGTH) throw invalid('signed_request is too long')
  const parts = signedRequest.split('.')
  const [encodedSignature, encodedPayload] = parts
  if (parts.length !== 2 || !encodedSignature || !encodedPayload)
    throw invalid('signed_request is not signature.payload')
  if (!BASE64URL.test(encodedSignature) || !BASE64URL.test(encodedPayload)) {
    throw invalid('signed_request is not base64url')
  }
  const signature = Buffer.from(encodedSignature, 'base64url')
  // base64url's spare bits give one signature several spellings: only the canonical one is
  // accepted, so a replay cannot pass for a new request by spelling its signature differently.
  if (signature.toString('base64url') !== encodedSignature) throw invalid('signed_request is not canonical base64url')
  const expected = createHmac('sha256', appSecret).update(encodedPayload).digest()
  if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) {
    throw invalid('signed_request signature does not match')
  }
  let payload: unknown
  try {
    payload = JSON.parse(Buffer.from(encodedPayload, 'base64url').toString('utf8'))
  } catch {
    throw invalid('signed_request payload is not JSON')
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw invalid('signed_request payload is not an object')
  }
  const p = payload as Record<string, unknown>
  if (p.algorithm !== 'HMAC-SHA256') throw invalid('signed_request algorithm must be HMAC-SHA256')
  const userId = typeof p.user_id === 'number' ? String(p.user_id) : p.user_id
  if (typeof userId !== 'string' || !/^\d{1,32}$/.test(userId)) throw invalid('signed_request has no user_id')
  if (typeof p.issued_at !== 'number' || !Number.isFinite(p.issued_at)) throw invalid('signed_request has no issued_at')
  const maxAge = options.maxAgeSeconds ?? 3600
  if (maxAge > 0) {
    const now = (options.clock ?? Date.now)() / 1000
    if (now - p.issued_at > maxAge) throw invalid('signed_request is too old')
    if (p.issued_at - now > 300) throw invalid('signed_request is issued in the future')
  }
  return { ...p, algorithm: 'HMAC-SHA256', user_id: userId, issued_at: p.issued_at } as SignedRequestPayload
}

/**
 * The signature bytes of a `signed_request`, hex: what identifies it for replay checks, whatever
 * spelling of the signature it came with.
 */
export function signatureOf(signedRequest: string): string {
  const dot = signedRequest.indexOf('.')
  return Buffer.from(dot < 0 ? signedRequest : signedRequest.slice(0, dot), 'base64url').toString('hex')
}
