import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { parseSignedRequest, TokenError } from '../src/index.js'

// The test vector of docs/graph-protocol.md#signed_request-test-vector: secret `key`.
const VECTOR =
  'Mf_s6nTb38UYqioBmPqu0Ewm9souPZB9I2fIGwV729U.eyJ1c2VyX2lkIjoiMCIsImFsZ29yaXRobSI6IkhNQUMtU0hBMjU2IiwiaXNzdWVkX2F0IjoxNjI0MjQ0MTU2fQ'
const ISSUED_AT = 1624244156
const at = (seconds: number) => () => seconds * 1000

function sign(secret: string, payload: unknown): string {
  const encoded = Buffer.from(JSON.stringify(payload)).toString('base64url')
  return `${createHmac('sha256', secret).update(encoded).digest('base64url')}.${encoded}`
}

function reason(fn: () => unknown): string {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(TokenError)
    expect((error as TokenError).code).toBe('invalid_request')
    return (error as TokenError).message
  }
  throw new Error('expected a rejection')
}

describe('parseSignedRequest', () => {
  it('accepts the documented test vector', () => {
    expect(parseSignedRequest(VECTOR, 'key', { clock: at(ISSUED_AT + 10) })).toEqual({
      user_id: '0',
      algorithm: 'HMAC-SHA256',
      issued_at: ISSUED_AT,
    })
  })

  it('refuses the vector with another secret, or any changed character', () => {
    expect(reason(() => parseSignedRequest(VECTOR, 'other', { clock: at(ISSUED_AT) }))).toMatch(/signature/)
    for (const i of [0, 5, 43, 50, VECTOR.length - 1]) {
      const c = VECTOR[i] === 'A' ? 'B' : 'A'
      const tampered = `${VECTOR.slice(0, i)}${c}${VECTOR.slice(i + 1)}`
      expect(() => parseSignedRequest(tampered, 'key', { clock: at(ISSUED_AT) })).toThrow(TokenError)
    }
  })

  it('refuses stale requests (replay protection) and ones from the future', () => {
    expect(reason(() => parseSignedRequest(VECTOR, 'key', { clock: at(ISSUED_AT + 3601) }))).toMatch(/too old/)
    expect(parseSignedRequest(VECTOR, 'key', { clock: at(ISSUED_AT + 7200), maxAgeSeconds: 0 }).user_id).toBe('0')
    expect(reason(() => parseSignedRequest(VECTOR, 'key', { clock: at(ISSUED_AT - 3600) }))).toMatch(/future/)
  })

  it('demands HMAC-SHA256, a user id and issued_at', () => {
    const now = at(ISSUED_AT)
    const base = { user_id: '42', algorithm: 'HMAC-SHA256', issued_at: ISSUED_AT }
    expect(
      reason(() => parseSignedRequest(sign('key', { ...base, algorithm: 'none' }), 'key', { clock: now })),
    ).toMatch(/algorithm/)
    expect(reason(() => parseSignedRequest(sign('key', { ...base, user_id: 'x' }), 'key', { clock: now }))).toMatch(
      /user_id/,
    )
    expect(reason(() => parseSignedRequest(sign('key', { ...base, issued_at: 'x' }), 'key', { clock: now }))).toMatch(
      /issued_at/,
    )
    expect(parseSignedRequest(sign('key', { ...base, user_id: 42, expires: 1 }), 'key', { clock: now })).toMatchObject({
      user_id: '42',
      expires: 1,
    })
  })

  it('refuses garbage of every shape', () => {
    for (const input of [undefined, null, 42, '', '.', 'abc', 'a.b.c', 'a.', '.b', 'ab+.cd', 'x'.repeat(20_000)]) {
      expect(() => parseSignedRequest(input, 'key')).toThrow(TokenError)
    }
    const notJson = `${createHmac('sha256', 'key').update('bm90IGpzb24').digest('base64url')}.bm90IGpzb24`
    expect(reason(() => parseSignedRequest(notJson, 'key'))).toMatch(/not JSON/)
  })
})
