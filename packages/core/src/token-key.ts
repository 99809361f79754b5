import * as crypto from 'node:crypto'
import { createHash } from 'node:crypto'

/** `crypto.hash` (Node ≥ 20.12): one call instead of three, on every request. */
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash

/** The SHA-256 of a token, hex: the only form in which the cache and events know it. */
export function tokenKey(raw: string): string {
  return oneShotHash ? oneShotHash('sha256', raw, 'hex') : createHash('sha256').update(raw).digest('hex')
}
