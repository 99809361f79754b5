import { createHmac, createPublicKey, createSign, generateKeyPairSync, randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { inspect } from 'node:util'
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest'
import {
  createTokens,
  type LimitedLoginToken,
  MemoryNonceStore,
  TokenError,
  type TokensOptions,
  UserToken,
} from '../src/index.js'
import { freshnessOf } from '../src/jwks.js'
import { createFixture, type Fixture, rejection } from './fixture.js'

const JWKS = '/.well-known/oauth/openid/jwks'
const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')

let f: Fixture
beforeEach(async () => {
  f = await createFixture()
})
afterEach(async () => {
  await f.close()
})

function issue(options: { nonce?: string; claims?: Record<string, unknown>; lifetime?: number } = {}): string {
  return f.emu.issueLimitedLoginToken({ appId: f.app.id, userId: f.user.id, ...options })
}

async function refused(raw: string, options: Parameters<Fixture['tokens']['verify']>[1] = { type: 'limited_login' }) {
  const error = await rejection(() => f.tokens.verify(raw, options))
  expect(error).toBeInstanceOf(TokenError)
  return error as TokenError
}

/** The emulator's current key, as its JWKS serves it. */
async function servedKey(): Promise<{ kid: string; n: string; e: string }> {
  const body = (await (await fetch(`${f.emu.url}${JWKS}/`)).json()) as { keys: { kid: string; n: string; e: string }[] }
  f.emu.resetCounts()
  return body.keys[0] as { kid: string; n: string; e: string }
}

/** A token signed RS256 by a key of our own (not in the emulator's JWKS), with the claims of a real one. */
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
function forged(kid: string, claims: Record<string, unknown> = {}): string {
  const real = JSON.parse(Buffer.from(issue().split('.')[1] as string, 'base64url').toString()) as object
  const input = `${b64({ alg: 'RS256', kid })}.${b64({ ...real, ...claims })}`
  return `${input}.${createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url')}`
}

describe('Limited Login: a verified, typed token', () => {
  it('verifies an ID token against the JWKS into a LimitedLoginToken with typed claims', async () => {
    f.emu.updateUser(f.user.id, { email: 'ada@example.com', pictureUrl: 'https://example.com/ada.png' })
    const raw = issue({ claims: { user_gender: 'female', user_hometown: { id: '1', name: 'London' } } })
    const token = await f.tokens.verify(raw, { type: 'limited_login' })
    expectTypeOf(token).toEqualTypeOf<LimitedLoginToken>()
    expect(token).toMatchObject({
      type: 'limited_login',
      appId: f.app.id,
      userId: f.user.id,
      name: 'Ada Lovelace',
      givenName: 'Ada',
      familyName: 'Lovelace',
      email: 'ada@example.com',
      picture: 'https://example.com/ada.png',
      gender: 'female',
      hometown: { id: '1', name: 'London' },
    })
    expect(token.expiresAt?.getTime()).toBe((f.emu.now() + 3600) * 1000)
    expect(token.hasScope('email')).toBe(true)
    expect(token.hasScope('user_gender')).toBe(true)
    expect(token.hasScope('user_friends')).toBe(false)
  })

  it('is redacted like every token: JSON, String, template strings and inspect never show it', async () => {
    const raw = issue()
    const token = await f.tokens.verify(raw, { type: 'limited_login' })
    for (const shown of [JSON.stringify(token), String(token), `${token}`, inspect(token)]) {
      expect(shown).not.toContain(raw.split('.')[2])
      expect(shown).not.toContain(raw.split('.')[1])
    }
    expect(token.value).toBe(raw)
  })

  it('caches a verified token by its SHA-256: a repeated token costs no signature check', async () => {
    const raw = issue()
    await f.tokens.verify(raw, { type: 'limited_login' })
    await f.tokens.verify(raw, { type: 'limited_login' })
    const verifies = f.events.filter((e) => e.type === 'verify')
    expect(verifies.map((e) => e.type === 'verify' && e.cached)).toEqual([false, true])
    expect(f.emu.requestCount(JWKS)).toBe(1)
  })

  it('keeps a verification no longer than the token’s exp (plus the clock tolerance)', async () => {
    const raw = issue({ lifetime: 120 })
    await f.tokens.verify(raw, { type: 'limited_login' })
    f.emu.advanceTime(120 + 20) // within the 30 s tolerance
    await expect(f.tokens.verify(raw, { type: 'limited_login' })).resolves.toBeDefined()
    f.emu.advanceTime(11)
    expect((await refused(raw)).reason).toBe('expired')
  })

  it('accepts a token whose aud is in acceptAppIds', async () => {
    const tokens = createTokens({ ...f.emu.coreOptions(f.app), acceptAppIds: [f.otherApp.id] })
    const raw = f.emu.issueLimitedLoginToken({ appId: f.otherApp.id, userId: f.user.id })
    await expect(tokens.verify(raw, { type: 'limited_login' })).resolves.toMatchObject({ appId: f.otherApp.id })
    await tokens.close()
  })

  it('finds the JWKS and the issuer by OpenID discovery', async () => {
    const { limitedLogin: _ll, ...base } = f.emu.coreOptions(f.app)
    const tokens = createTokens({
      ...base,
      limitedLogin: { discoveryUrl: `${f.emu.url}/.well-known/openid-configuration/` },
    })
    await expect(tokens.verify(issue(), { type: 'limited_login' })).resolves.toMatchObject({ userId: f.user.id })
    expect(f.emu.requestCount('/.well-known/openid-configuration')).toBe(1)
    await tokens.close()
  })
})

describe('Limited Login: where a Graph access token is required', () => {
  it('is refused (401, reason limited_login) by a requirement that does not name it, before any network call', async () => {
    const raw = issue()
    for (const requirement of [{}, { type: 'user' as const }, { type: ['user', 'page'] as const }]) {
      const error = await refused(raw, requirement as never)
      expect(error).toMatchObject({ code: 'invalid_token', status: 401, reason: 'limited_login' })
    }
    expect(f.emu.requestCounts()).toEqual({})
  })

  it('is refused where a verified token is required on a request, without a JWKS fetch', async () => {
    const req = { headers: { authorization: `Bearer ${issue()}` } }
    await expect(f.tokens.authenticate(req, { required: true })).rejects.toMatchObject({ reason: 'limited_login' })
    expect(f.emu.requestCounts()).toEqual({})
  })

  it('is no sign-in where nothing requires a token, and meets a later requirement that names it', async () => {
    const req = { headers: { authorization: `Bearer ${issue()}` } }
    expect(await f.tokens.authenticate(req)).toBeUndefined()
    expect(() => f.tokens.authorize(undefined, {}, req)).toThrow(TokenError)
    expect(f.tokens.authorize(undefined, { type: 'limited_login' }, req).userId).toBe(f.user.id)
  })

  it('a Graph user token does not meet a limited_login requirement', async () => {
    const user = f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id })
    expect(await refused(user)).toMatchObject({ code: 'insufficient_scope', status: 403 })
    expect(await f.tokens.verify(user)).toBeInstanceOf(UserToken)
  })
})

describe('Limited Login: every claim check and attack', () => {
  it('refuses alg none', async () => {
    const { kid } = await servedKey()
    const [, payload] = issue().split('.')
    expect((await refused(`${b64({ alg: 'none', kid })}.${payload}.`)).reason).toBe('bad_signature')
  })

  it('refuses HS256 signed with the public key (algorithm confusion)', async () => {
    const jwk = await servedKey()
    const pem = createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' }).export({
      type: 'spki',
      format: 'pem',
    })
    const [, payload] = issue().split('.')
    const input = `${b64({ alg: 'HS256', kid: jwk.kid })}.${payload}`
    const signature = createHmac('sha256', pem).update(input).digest('base64url')
    expect((await refused(`${input}.${signature}`)).reason).toBe('bad_signature')
  })

  it('refuses a token signed by a key from another JWKS, under a known kid or another', async () => {
    const { kid } = await servedKey()
    expect((await refused(forged(kid))).reason).toBe('bad_signature')
    expect((await refused(forged('another-kid'))).reason).toBe('bad_signature')
  })

  it('refuses a tampered payload', async () => {
    const [header, payload, signature] = issue().split('.') as [string, string, string]
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>
    const tampered = b64({ ...claims, sub: '999', name: 'Mallory' })
    expect((await refused(`${header}.${tampered}.${signature}`)).reason).toBe('bad_signature')
  })

  it('refuses a wrong aud as wrong_app and a wrong iss as wrong_issuer', async () => {
    expect((await refused(issue({ claims: { aud: f.otherApp.id } }))).reason).toBe('wrong_app')
    expect((await refused(issue({ claims: { aud: [f.otherApp.id] } }))).reason).toBe('wrong_app')
    expect((await refused(issue({ claims: { iss: 'https://facebook.com' } }))).reason).toBe('wrong_issuer')
  })

  it('refuses an expired token and one not yet valid, with the clock tolerance', async () => {
    const now = f.emu.now()
    expect((await refused(issue({ claims: { exp: now - 31 } }))).reason).toBe('expired')
    await expect(
      f.tokens.verify(issue({ claims: { exp: now - 29 } }), { type: 'limited_login' }),
    ).resolves.toBeDefined()
    expect((await refused(issue({ claims: { iat: now + 120 } }))).reason).toBe('not_yet_valid')
    await expect(
      f.tokens.verify(issue({ claims: { iat: now + 20 } }), { type: 'limited_login' }),
    ).resolves.toBeDefined()
    expect((await refused(issue({ claims: { nbf: now + 120 } }))).reason).toBe('not_yet_valid')
  })

  it('refuses what is not a JWT payload, or lacks sub, iat or exp, as malformed', async () => {
    const { kid } = await servedKey()
    expect((await refused(`${b64({ alg: 'RS256', kid })}.${b64('not json')}.x`)).reason).toBe('malformed')
    expect((await refused(`${b64('{')}.${b64({})}.x`)).reason).toBe('malformed')
    expect((await refused(issue({ claims: { sub: undefined } }))).reason).toBe('malformed')
    expect((await refused(issue({ claims: { exp: '9999999999' } }))).reason).toBe('malformed')
  })

  it('refuses a signature changed in one byte, and one cut short', async () => {
    const [header, payload, signature] = issue().split('.') as [string, string, string]
    const bytes = Buffer.from(signature, 'base64url')
    bytes[10] = (bytes[10] as number) ^ 1
    expect((await refused(`${header}.${payload}.${bytes.toString('base64url')}`)).reason).toBe('bad_signature')
    expect((await refused(`${header}.${payload}.${signature.slice(0, -4)}`)).reason).toBe('bad_signature')
  })

  it("tells forgeries from the real token when they arrive together, Meta's key at hand (checked off the event loop)", async () => {
    await f.tokens.verify(issue(), { type: 'limited_login' }) // Meta's keys fetched and fresh
    const raw = issue()
    const [header, payload, signature] = raw.split('.') as [string, string, string]
    const flipped = Buffer.from(signature, 'base64url')
    flipped[0] = (flipped[0] as number) ^ 1
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>
    const forgeries = [
      `${header}.${payload}.${flipped.toString('base64url')}`,
      `${header}.${b64({ ...claims, sub: 'someone-else' })}.${signature}`,
    ]
    const burst = Array.from({ length: 12 }, (_, i) => (i % 3 === 0 ? raw : (forgeries[i % 2] as string)))
    const answers = await Promise.all(
      burst.map((token) =>
        f.tokens.verify(token, { type: 'limited_login' }).then(
          (verified) => verified.userId,
          (error: TokenError) => error.reason,
        ),
      ),
    )
    expect(answers).toEqual(burst.map((token) => (token === raw ? f.user.id : 'bad_signature')))
    expect(f.emu.requestCount(JWKS)).toBe(1)
    const before = f.events.length
    await f.tokens.verify(raw, { type: 'limited_login' })
    expect(f.events.slice(before)).toContainEqual(expect.objectContaining({ type: 'verify', cached: true }))
  })

  it('refuses a critical header extension and a nbf that is not a number, without a JWKS fetch', async () => {
    const { kid } = await servedKey()
    const [, payload, signature] = issue().split('.') as [string, string, string]
    const critical = `${b64({ alg: 'RS256', kid, crit: ['b64'], b64: false })}.${payload}.${signature}`
    expect((await refused(critical)).reason).toBe('malformed')
    expect((await refused(issue({ claims: { nbf: 'soon' } }))).reason).toBe('malformed')
    expect(f.emu.requestCount(JWKS)).toBe(0)
  })

  it('never trusts a JWKS key shorter than 2048 bits, even one that signed the token', async () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 })
    const jwk = { ...weak.publicKey.export({ format: 'jwk' }), kid: 'weak', alg: 'RS256', use: 'sig' }
    const server = createServer((_req, res) =>
      res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [jwk] })),
    )
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    const tokens = createTokens({
      ...f.emu.coreOptions(f.app),
      limitedLogin: { jwksUrl: `http://127.0.0.1:${port}/jwks` },
    })
    try {
      const real = JSON.parse(Buffer.from(issue().split('.')[1] as string, 'base64url').toString()) as object
      const input = `${b64({ alg: 'RS256', kid: 'weak' })}.${b64(real)}`
      const raw = `${input}.${createSign('RSA-SHA256').update(input).sign(weak.privateKey).toString('base64url')}`
      const error = await rejection(() => tokens.verify(raw, { type: 'limited_login' }))
      expect(error).toMatchObject({ code: 'invalid_token', reason: 'bad_signature' })
    } finally {
      await tokens.close()
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it('a flood of tokens with made-up kids costs one JWKS fetch per cooldown', async () => {
    await f.tokens.verify(issue(), { type: 'limited_login' }) // the keys are known
    expect(f.emu.requestCount(JWKS)).toBe(1)
    f.emu.advanceTime(60) // the cooldown counts from the last fetch
    const flood = Array.from({ length: 40 }, () => forged(randomBytes(8).toString('hex')))
    const errors = await Promise.all(flood.map((raw) => refused(raw)))
    expect(new Set(errors.map((e) => e.reason))).toEqual(new Set(['bad_signature']))
    expect(f.emu.requestCount(JWKS)).toBe(2)
    await Promise.all(flood.map((raw) => refused(raw)))
    expect(f.emu.requestCount(JWKS)).toBe(2)
    f.emu.advanceTime(60)
    await Promise.all(flood.map((raw) => refused(raw)))
    expect(f.emu.requestCount(JWKS)).toBe(3)
  })

  it('follows a key rotation: a token naming the new key is verified after one fetch', async () => {
    await f.tokens.verify(issue(), { type: 'limited_login' })
    f.emu.rotateLimitedLoginKey()
    f.emu.advanceTime(60) // the cooldown since the first fetch
    await expect(f.tokens.verify(issue(), { type: 'limited_login' })).resolves.toBeDefined()
    expect(f.emu.requestCount(JWKS)).toBe(2)
  })
})

describe('Limited Login: the JWKS endpoint down', () => {
  it('serves the kept keys while the JWKS endpoint fails, past their max-age', async () => {
    await f.tokens.verify(issue(), { type: 'limited_login' })
    f.emu.setFaults({ status: 503, paths: [JWKS] })
    f.emu.advanceTime(7200) // past max-age=3600
    await expect(f.tokens.verify(issue(), { type: 'limited_login' })).resolves.toBeDefined()
    expect(f.emu.requestCount(JWKS)).toBe(2) // one failed refresh
    expect(f.events).toContainEqual(expect.objectContaining({ type: 'error', where: 'jwks' }))
  })

  it('answers 503 graph_unavailable without kept keys, and fetches at most once per cooldown meanwhile', async () => {
    f.emu.setFaults({ status: 503, paths: [JWKS] })
    const error = await refused(issue())
    expect(error).toMatchObject({ code: 'graph_unavailable', status: 503 })
    expect(error.headers['Retry-After']).toBeDefined()
    await refused(issue())
    expect(f.emu.requestCount(JWKS)).toBe(1)
    f.emu.setFaults(null)
    f.emu.advanceTime(60)
    await expect(f.tokens.verify(issue(), { type: 'limited_login' })).resolves.toBeDefined()
  })

  it('a hanging JWKS endpoint answers 503 within timeoutMs', async () => {
    const tokens = createTokens({ ...f.emu.coreOptions(f.app), timeoutMs: 200 })
    f.emu.setFaults({ hang: true, paths: [JWKS] })
    const started = Date.now()
    const error = await rejection(() => tokens.verify(issue(), { type: 'limited_login' }))
    expect(error).toMatchObject({ code: 'graph_unavailable', status: 503 })
    expect(Date.now() - started).toBeLessThan(2000)
    await tokens.close()
  })

  it('reads max-age from Cache-Control, bounded', () => {
    expect(freshnessOf('public, max-age=600')).toBe(600_000)
    expect(freshnessOf('max-age=1')).toBe(60_000)
    expect(freshnessOf('max-age=99999999')).toBe(86_400_000)
    expect(freshnessOf('no-store')).toBe(60_000)
    expect(freshnessOf(null)).toBe(3_600_000)
  })
})

describe('Limited Login: nonce', () => {
  it('accepts the nonce the app issued, once', async () => {
    const raw = issue({ nonce: 'n-1' })
    await expect(f.tokens.verify(raw, { type: 'limited_login', nonce: 'n-1' })).resolves.toMatchObject({ nonce: 'n-1' })
    expect((await refused(raw, { type: 'limited_login', nonce: 'n-1' })).reason).toBe('nonce_mismatch')
    // Presented again without the nonce (a later request), it is still the person's token.
    await expect(f.tokens.verify(raw, { type: 'limited_login' })).resolves.toBeDefined()
  })

  it('refuses another nonce, and a token without one', async () => {
    expect((await refused(issue({ nonce: 'n-1' }), { type: 'limited_login', nonce: 'n-2' })).reason).toBe(
      'nonce_mismatch',
    )
    expect((await refused(issue(), { type: 'limited_login', nonce: 'n-1' })).reason).toBe('nonce_mismatch')
  })

  it('uses a pluggable nonce store, shared by two cores', async () => {
    const nonceStore = new MemoryNonceStore()
    const options: TokensOptions = {
      ...f.emu.coreOptions(f.app),
      limitedLogin: { ...f.emu.coreOptions(f.app).limitedLogin, nonceStore },
    }
    const [a, b] = [createTokens(options), createTokens(options)]
    const raw = issue({ nonce: 'shared' })
    await a.verify(raw, { type: 'limited_login', nonce: 'shared' })
    await expect(b.verify(raw, { type: 'limited_login', nonce: 'shared' })).rejects.toMatchObject({
      reason: 'nonce_mismatch',
    })
    await Promise.all([a.close(), b.close()])
  })
})

describe('Limited Login: uninstall', () => {
  it('tells Meta and forgets every cached and stored token of the user', async () => {
    const user = f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id })
    await f.tokens.verify(user)
    const person = await f.tokens.uninstallLimitedLogin(issue())
    expect(person.userId).toBe(f.user.id)
    expect(f.emu.requestCount('/platform/uninstall')).toBe(1)
    expect(f.events).toContainEqual({ type: 'revoke', userId: f.user.id })
    // The cached verification is gone: Graph is asked again and says the app was removed.
    expect(await rejection(() => f.tokens.verify(user))).toMatchObject({ reason: 'app_not_installed' })
  })

  it('revokes locally even when Meta cannot be told, then throws 503', async () => {
    f.emu.setFaults({ status: 500, paths: ['/platform/uninstall'] })
    const error = await rejection(() => f.tokens.uninstallLimitedLogin(issue()))
    expect(error).toMatchObject({ code: 'graph_unavailable' })
    expect(f.events).toContainEqual({ type: 'revoke', userId: f.user.id })
  })
})

describe('Limited Login options', () => {
  it('throws a TypeError naming the option for a mistake', () => {
    const base = f.emu.coreOptions(f.app)
    expect(() => createTokens({ ...base, limitedLogin: { jwksUrl: 'ftp://x' } })).toThrow(/limitedLogin\.jwksUrl/)
    expect(() => createTokens({ ...base, limitedLogin: { clockToleranceSeconds: -1 } })).toThrow(
      /limitedLogin\.clockToleranceSeconds/,
    )
    expect(() => createTokens({ ...base, limitedLogin: { nonceStore: {} as never } })).toThrow(/nonceStore/)
  })

  it('a configured issuer replaces Meta’s', async () => {
    const tokens = createTokens({
      ...f.emu.coreOptions(f.app),
      limitedLogin: { ...f.emu.coreOptions(f.app).limitedLogin, issuer: 'https://facebook.com' },
    })
    expect(await rejection(() => tokens.verify(issue(), { type: 'limited_login' }))).toMatchObject({
      reason: 'wrong_issuer',
    })
    await expect(
      tokens.verify(issue({ claims: { iss: 'https://facebook.com' } }), { type: 'limited_login' }),
    ).resolves.toBeDefined()
    await tokens.close()
  })
})
