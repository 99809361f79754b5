import {
  createPublicKey,
  createSign,
  createVerify,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto'
import type { Clock } from './clock.js'
import type { Directory } from './state.js'

/** The issuer of Limited Login ID tokens, as the core expects it (docs/graph-protocol.md#limited-login). */
export const LIMITED_LOGIN_ISSUER = 'https://www.facebook.com'
/** Paths of the OpenID endpoints, as on `limited.facebook.com`. */
export const OPENID_CONFIGURATION_PATH = '/.well-known/openid-configuration'
export const JWKS_PATH = '/.well-known/oauth/openid/jwks'
/** The uninstall endpoint, as on `www.limited.facebook.com`. */
export const UNINSTALL_PATH = '/platform/uninstall'
/** Signing keys kept in the JWKS: the current one and those it replaced, newest first. */
const KEPT_KEYS = 2

/**
 * Options of `emu.issueLimitedLoginToken()`.
 *
 * @example
 * ```ts
 * const options: LimitedLoginTokenOptions = { appId: '1000000000000001', userId: '2000000000000001', nonce: 'n-1' }
 * const idToken = emu.issueLimitedLoginToken(options)
 * ```
 */
export interface LimitedLoginTokenOptions {
  appId: string
  userId: string
  /** The nonce the app passed to the login. @default none (no `nonce` claim) */
  nonce?: string
  /**
   * Claims added to (or replacing) the issued ones: the user's `name`, `given_name`, `family_name`,
   * `email` and `picture`, and `iss`, `aud`, `sub`, `iat`, `exp`, `jti`. Tests forge tokens with it
   * (`{ iss: 'https://facebook.com' }`). @default none
   */
  claims?: Record<string, unknown>
  /** Seconds until `exp`. @default 3600 */
  lifetime?: number
}

interface SigningKey {
  kid: string
  privateKey: KeyObject
  publicJwk: Record<string, unknown>
}

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url')
}

function newKey(): SigningKey {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const kid = randomBytes(20).toString('hex')
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' }) as Record<string, unknown>
  return { kid, privateKey, publicJwk: { kty: 'RSA', use: 'sig', alg: 'RS256', kid, n: jwk.n, e: jwk.e } }
}

/** Meta's Limited Login on the emulator: signing keys, ID tokens, and the checks of the uninstall endpoint. */
export class LimitedLogin {
  readonly #clock: Clock
  readonly #directory: Directory
  #keys: SigningKey[] | undefined

  constructor(clock: Clock, directory: Directory) {
    this.#clock = clock
    this.#directory = directory
  }

  /** Keys are made on first use: an emulator that never issues an ID token never generates one. */
  #signingKeys(): SigningKey[] {
    this.#keys ??= [newKey()]
    return this.#keys
  }

  /** The JWKS document: the public keys, newest first. */
  jwks(): { keys: Record<string, unknown>[] } {
    return { keys: this.#signingKeys().map((k) => k.publicJwk) }
  }

  /** A new signing key; the previous one stays in the JWKS (tokens it signed still verify). Returns its `kid`. */
  rotate(): string {
    const key = newKey()
    this.#keys = [key, ...this.#signingKeys()].slice(0, KEPT_KEYS)
    return key.kid
  }

  /** An ID token signed RS256 with the current key, with the user's profile claims. */
  issue(options: LimitedLoginTokenOptions): string {
    const { appId, userId, nonce, claims = {}, lifetime = 3600 } = options
    if (typeof lifetime !== 'number' || !Number.isFinite(lifetime)) {
      throw new TypeError('issueLimitedLoginToken: lifetime must be a number of seconds')
    }
    this.#directory.app(appId)
    const user = this.#directory.user(userId)
    const iat = this.#clock.now()
    const [first, ...rest] = user.name.split(' ')
    const payload: Record<string, unknown> = {
      iss: LIMITED_LOGIN_ISSUER,
      aud: appId,
      sub: userId,
      iat,
      exp: iat + lifetime,
      jti: randomBytes(16).toString('hex'),
      ...(nonce === undefined ? {} : { nonce }),
      name: user.name,
      given_name: user.profile.firstName ?? first,
      family_name: user.profile.lastName ?? rest.join(' '),
      ...(user.profile.email === undefined ? {} : { email: user.profile.email }),
      ...(user.profile.pictureUrl === undefined ? {} : { picture: user.profile.pictureUrl }),
      ...claims,
    }
    return this.sign(payload)
  }

  /** Signs `payload` with the current key (RS256, the key's `kid` in the header). */
  sign(payload: Record<string, unknown>): string {
    const key = this.#signingKeys()[0] as SigningKey
    const input = `${base64url(JSON.stringify({ alg: 'RS256', kid: key.kid, typ: 'JWT' }))}.${base64url(JSON.stringify(payload))}`
    const signature = createSign('RSA-SHA256').update(input).sign(key.privateKey)
    return `${input}.${base64url(signature)}`
  }

  /**
   * The `sub` of an ID token this emulator signed for `appId` and that has not expired, or why not
   * (what the uninstall endpoint checks).
   */
  check(idToken: string, appId: string): { userId: string } | { error: string } {
    const parts = idToken.split('.')
    if (parts.length !== 3) return { error: 'id_token is not a JWT' }
    const [header, body, signature] = parts as [string, string, string]
    let kid: unknown
    let payload: Record<string, unknown>
    try {
      const h = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as Record<string, unknown>
      if (h.alg !== 'RS256') return { error: 'id_token is not signed RS256' }
      kid = h.kid
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>
    } catch {
      return { error: 'id_token is malformed' }
    }
    const key = this.#signingKeys().find((k) => k.kid === kid)
    const valid =
      key !== undefined &&
      createVerify('RSA-SHA256')
        .update(`${header}.${body}`)
        .verify(createPublicKey(key.privateKey), signature, 'base64url')
    if (!valid) return { error: 'id_token signature is invalid' }
    if (payload.iss !== LIMITED_LOGIN_ISSUER || payload.aud !== appId) return { error: 'id_token is not for this app' }
    if (typeof payload.exp !== 'number' || payload.exp <= this.#clock.now()) return { error: 'id_token has expired' }
    if (typeof payload.sub !== 'string') return { error: 'id_token has no sub' }
    return { userId: payload.sub }
  }
}
