import { createHmac } from 'node:crypto'

/**
 * Builds a Meta `signed_request`: `base64url(HMAC-SHA256(secret, encodedPayload)) + '.' + encodedPayload`,
 * where `encodedPayload = base64url(JSON.stringify(payload))`, both without padding.
 *
 * @example
 * ```ts
 * const sr = signSignedRequest('key', { user_id: '0', algorithm: 'HMAC-SHA256', issued_at: 1624244156 })
 * // 'Mf_s6nTb38UYqioBmPqu0Ewm9souPZB9I2fIGwV729U.eyJ1c2VyX2lkIjoiMCIsImFsZ29yaXRobSI6IkhNQUMtU0hBMjU2IiwiaXNzdWVkX2F0IjoxNjI0MjQ0MTU2fQ'
 * ```
 */
export function signSignedRequest(secret: string, payload: Record<string, unknown>): string {
  const encoded = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url')
  const signature = createHmac('sha256', secret).update(encoded).digest('base64url')
  return `${signature}.${encoded}`
}
