import { spawn } from 'node:child_process'
import { createPublicKey, createVerify } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type Emulator, startEmulator } from '../src/index.js'

const NOW = 1_700_000_000
let emu: Emulator
beforeEach(async () => {
  emu = await startEmulator({ now: NOW, freezeClock: true })
})
afterEach(() => emu.close())

type Jwk = { kid: string; kty: string; n: string; e: string; alg: string; use: string }

async function jwks(): Promise<{ keys: Jwk[]; cacheControl: string | null }> {
  const res = await fetch(`${emu.url}/.well-known/oauth/openid/jwks/`)
  expect(res.status).toBe(200)
  return { ...((await res.json()) as { keys: Jwk[] }), cacheControl: res.headers.get('cache-control') }
}

function parts(token: string) {
  const [h, p, s] = token.split('.') as [string, string, string]
  const decode = (x: string) => JSON.parse(Buffer.from(x, 'base64url').toString()) as Record<string, unknown>
  return { header: decode(h), payload: decode(p), input: `${h}.${p}`, signature: s }
}

function verifies(token: string, keys: Jwk[]): boolean {
  const { header, input, signature } = parts(token)
  const jwk = keys.find((k) => k.kid === header.kid)
  if (jwk === undefined) return false
  const key = createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' })
  return createVerify('RSA-SHA256').update(input).verify(key, signature, 'base64url')
}

describe('Limited Login on the emulator', () => {
  it('serves an OpenID discovery document naming its JWKS, RS256 and the issuer', async () => {
    const res = await fetch(`${emu.url}/.well-known/openid-configuration/`)
    expect(await res.json()).toMatchObject({
      issuer: 'https://www.facebook.com',
      jwks_uri: `${emu.url}/.well-known/oauth/openid/jwks/`,
      id_token_signing_alg_values_supported: ['RS256'],
    })
  })

  it('issues RS256 ID tokens with the standard and profile claims, verifiable with its JWKS (cacheable)', async () => {
    const app = emu.createApp()
    const user = emu.createUser({ name: 'Ada Lovelace', email: 'ada@example.com' })
    const token = emu.issueLimitedLoginToken({ appId: app.id, userId: user.id, nonce: 'n-1', lifetime: 600 })
    const { header, payload } = parts(token)
    expect(header).toMatchObject({ alg: 'RS256', typ: 'JWT', kid: expect.any(String) })
    expect(payload).toMatchObject({
      iss: 'https://www.facebook.com',
      aud: app.id,
      sub: user.id,
      iat: NOW,
      exp: NOW + 600,
      nonce: 'n-1',
      name: 'Ada Lovelace',
      given_name: 'Ada',
      family_name: 'Lovelace',
      email: 'ada@example.com',
      jti: expect.any(String),
    })
    const { keys, cacheControl } = await jwks()
    expect(cacheControl).toMatch(/max-age=\d+/)
    expect(keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' })
    expect(verifies(token, keys)).toBe(true)
    expect(emu.requestCount('/.well-known/oauth/openid/jwks')).toBe(1)
  })

  it('claims override the issued ones (for forged-token tests)', () => {
    const app = emu.createApp()
    const user = emu.createUser()
    const token = emu.issueLimitedLoginToken({
      appId: app.id,
      userId: user.id,
      claims: { iss: 'https://facebook.com' },
    })
    expect(parts(token).payload.iss).toBe('https://facebook.com')
    expect(() => emu.issueLimitedLoginToken({ appId: '9', userId: user.id })).toThrow(TypeError)
  })

  it('rotates its key: new tokens name the new kid, the old key stays in the JWKS', async () => {
    const app = emu.createApp()
    const user = emu.createUser()
    const before = emu.issueLimitedLoginToken({ appId: app.id, userId: user.id })
    const kid = emu.rotateLimitedLoginKey()
    const after = emu.issueLimitedLoginToken({ appId: app.id, userId: user.id })
    expect(parts(after).header.kid).toBe(kid)
    const { keys } = await jwks()
    expect(keys.map((k) => k.kid)[0]).toBe(kid)
    expect(verifies(before, keys) && verifies(after, keys)).toBe(true)
  })

  it('the uninstall endpoint removes the app for the token’s user, and refuses a bad token', async () => {
    const app = emu.createApp({ requireProof: false })
    const user = emu.createUser()
    const userToken = emu.issueUserToken({ appId: app.id, userId: user.id })
    const uninstall = (idToken: string) =>
      fetch(`${emu.url}/platform/uninstall/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ id_token: idToken, app_id: app.id }).toString(),
      })
    const idToken = emu.issueLimitedLoginToken({ appId: app.id, userId: user.id })
    const [h, p] = idToken.split('.')
    expect((await uninstall(`${h}.${p}.AAAA`)).status).toBe(400)
    const res = await uninstall(idToken)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ success: true })
    const me = (await (await fetch(`${emu.url}/me?access_token=${userToken}`)).json()) as { error: { code: number } }
    expect(me.error.code).toBe(190)
  })

  it('takes faults on its JWKS path like on Graph paths', async () => {
    emu.setFaults({ status: 503, paths: ['/.well-known/oauth/openid/jwks'] })
    expect((await fetch(`${emu.url}/.well-known/oauth/openid/jwks/`)).status).toBe(503)
  })

  it('the admin API issues ID tokens and rotates the key', async () => {
    const app = emu.createApp()
    const user = emu.createUser()
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${emu.url}/__admin${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
      return { status: res.status, body: (await res.json()) as Record<string, string> }
    }
    const issued = await post('/tokens/limited-login', { appId: app.id, userId: user.id, nonce: 'n' })
    expect(issued.status).toBe(201)
    expect(parts(issued.body.id_token as string).payload).toMatchObject({ aud: app.id, sub: user.id, nonce: 'n' })
    const rotated = await post('/limited-login/rotate-key', {})
    expect(rotated.body.kid).toMatch(/^[0-9a-f]{40}$/)
  })

  it('coreOptions(app) points the core at its JWKS and uninstall endpoints', () => {
    expect(emu.coreOptions(emu.createApp()).limitedLogin).toEqual({
      jwksUrl: `${emu.url}/.well-known/oauth/openid/jwks/`,
      uninstallUrl: `${emu.url}/platform/uninstall/`,
    })
  })
})

describe('tokens-emulator --seed', () => {
  it('prints an iOS Limited Login ID token that its JWKS verifies', async () => {
    const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url))
    const child = spawn(process.execPath, [cli, '--seed', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString()
        if (output.includes('Ctrl+C')) resolve()
      })
      child.once('exit', (code) => reject(new Error(`exited early (${code}): ${output}`)))
    })
    const url = /listening on (http:\/\/\S+)/.exec(output)?.[1] ?? ''
    const token = /Limited Login ID token[^\n]*\n\s+(\S+)/.exec(output)?.[1] ?? ''
    const body = (await (await fetch(`${url}/.well-known/oauth/openid/jwks/`)).json()) as { keys: Jwk[] }
    expect(verifies(token, body.keys)).toBe(true)
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
  })
})
