import { createPublicKey, createSign, generateKeyPairSync } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createTokens, isTokenError } from '../src/index.js'

// Seeded: a failure prints its seed and path, and reruns the same way.
const runs = (numRuns: number) => ({ seed: 20261129, numRuns })
const APP_ID = '1000000000000001'
const NOW = 1_750_000_000
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
const KID = 'fuzz-key'
const jwk = createPublicKey(privateKey).export({ format: 'jwk' })
let fetches = 0
/** A JWKS endpoint that always answers with one key: no network in this suite. */
const fetchJwks: typeof fetch = async () => {
  fetches++
  return new Response(JSON.stringify({ keys: [{ ...jwk, kid: KID, alg: 'RS256', use: 'sig' }] }), {
    headers: { 'content-type': 'application/json', 'cache-control': 'max-age=3600' },
  })
}
const tokens = createTokens({
  appId: APP_ID,
  appSecret: 'fuzzsecretfuzzsecret',
  fetch: fetchJwks,
  clock: () => NOW * 1000,
})
const b64 = (value: string) => Buffer.from(value).toString('base64url')
const sign = (input: string) => createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url')
const valid = { iss: 'https://www.facebook.com', aud: APP_ID, sub: '42', iat: NOW, exp: NOW + 600 }

/** Settles to the token or the error; anything but a `TokenError` (401/400) fails the property. */
async function outcome(raw: string): Promise<'accepted' | number> {
  try {
    await tokens.verify(raw, { type: 'limited_login' })
    return 'accepted'
  } catch (error) {
    if (!isTokenError(error)) throw error
    return error.status
  }
}

describe('fuzz: the Limited Login JWT parser', () => {
  it('three arbitrary base64url parts: always a 400/401 TokenError, never a crash or an acceptance', async () => {
    const part = fc.string({
      unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'),
    })
    await fc.assert(
      fc.asyncProperty(part, part, part, async (h, p, s) => {
        const raw = `${h || 'e'}.${p || 'e'}.${s}`
        expect([400, 401]).toContain(await outcome(raw))
      }),
      runs(300),
    )
  })

  it('arbitrary JSON header and payload, signed or not: accepted only when the claims are all right', async () => {
    const json = fc.oneof(
      fc.json(),
      fc.jsonValue().map((v) => JSON.stringify(v)),
    )
    const header = fc.oneof(json, fc.constant(JSON.stringify({ alg: 'RS256', kid: KID })))
    const payload = fc.oneof(
      json,
      fc
        .record({ sub: fc.oneof(fc.string(), fc.integer()), aud: fc.oneof(fc.constant(APP_ID), fc.string()) })
        .map((c) => JSON.stringify({ ...valid, ...c })),
    )
    await fc.assert(
      fc.asyncProperty(header, payload, fc.boolean(), async (h, p, signed) => {
        const input = `${b64(h)}.${b64(p)}`
        const raw = `${input}.${signed ? sign(input) : b64('sig')}`
        const result = await outcome(raw)
        if (result !== 'accepted') {
          expect([400, 401]).toContain(result)
          return
        }
        const claims = JSON.parse(p) as Record<string, unknown>
        expect(signed && JSON.parse(h).alg === 'RS256' && claims.aud === APP_ID && typeof claims.sub === 'string').toBe(
          true,
        )
      }),
      runs(300),
    )
    expect(fetches).toBe(1)
  })
})
