import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * `appsecret_proof` for a call made with `accessToken`: hex HMAC-SHA256 keyed with the app secret.
 *
 * @example
 * ```ts
 * import { appsecretProof } from '@tokens/core'
 * const proof = appsecretProof('EAAB...', process.env.FB_APP_SECRET!)
 * ```
 */
export function appsecretProof(accessToken: string, appSecret: string): string {
  return createHmac('sha256', appSecret).update(accessToken).digest('hex')
}

/** Compares two strings in constant time (for equal lengths; the length itself is not secret). */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  if (left.length !== right.length) {
    // Spend the same time as a real comparison so the length check does not stand out.
    timingSafeEqual(left, left)
    return false
  }
  return timingSafeEqual(left, right)
}
