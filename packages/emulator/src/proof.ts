import { createHmac, timingSafeEqual } from 'node:crypto'
import { GraphError } from './graph-errors.js'

/** How long a time-stamped `appsecret_proof` stays acceptable, in seconds. */
export const PROOF_TIME_WINDOW = 300

function hmacHex(secret: string, message: string): string {
  return createHmac('sha256', secret).update(message).digest('hex')
}

function sameHex(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8')
  const b = Buffer.from(given.toLowerCase(), 'utf8')
  return a.length === b.length && timingSafeEqual(a, b)
}

/**
 * Checks `appsecret_proof` (and `appsecret_time`) for a call made with `token` of an app with `secret`.
 * Throws the Graph error when the proof is required and missing, or present and wrong or stale.
 */
export function checkProof(
  params: URLSearchParams,
  token: string,
  secret: string,
  required: boolean,
  now: number,
): void {
  const proof = params.get('appsecret_proof')
  if (proof === null || proof === '') {
    if (required) throw GraphError.method('API calls from the server require an appsecret_proof argument')
    return
  }
  const time = params.get('appsecret_time')
  let expected: string
  if (time === null) {
    expected = hmacHex(secret, token)
  } else {
    const seconds = Number(time)
    if (!/^\d+$/.test(time) || Math.abs(now - seconds) > PROOF_TIME_WINDOW) {
      throw GraphError.method('Invalid appsecret_proof provided in the API argument')
    }
    expected = hmacHex(secret, `${token}|${time}`)
  }
  if (!sameHex(expected, proof)) throw GraphError.method('Invalid appsecret_proof provided in the API argument')
}
