import type { NonceStore } from './nonce-store.js'

/**
 * Options of iOS Limited Login verification: the `limitedLogin` option of `createTokens`.
 *
 * @example
 * ```ts
 * import { createTokens, type LimitedLoginOptions } from '@tokens/core'
 * const limitedLogin: LimitedLoginOptions = { clockToleranceSeconds: 10, jwksCooldownSeconds: 120 }
 * const core = createTokens({ appId, appSecret, limitedLogin })
 * ```
 */
export interface LimitedLoginOptions {
  /**
   * Where Meta's signing keys are. @default 'https://limited.facebook.com/.well-known/oauth/openid/jwks/'
   * (or the `jwks_uri` of `discoveryUrl` when that is given)
   */
  jwksUrl?: string
  /**
   * An OpenID discovery document to take `jwks_uri` (and `issuer`, unless given) from, such as
   * `https://limited.facebook.com/.well-known/openid-configuration/`. @default none: `jwksUrl` is used
   */
  discoveryUrl?: string
  /** The `iss` every token must carry. @default 'https://www.facebook.com' */
  issuer?: string
  /** Seconds of clock difference allowed on `exp` and `iat`. @default 30 */
  clockToleranceSeconds?: number
  /**
   * Shortest time between two fetches of the keys for a token naming a key we do not know (a flood of
   * tokens with made-up `kid`s costs one fetch per cooldown). @default 60
   */
  jwksCooldownSeconds?: number
  /**
   * Where used nonces are remembered, so each is accepted once. @default the cache's `claim` when it has
   * one (`@tokens/redis` shares it across processes), else an in-process {@link MemoryNonceStore}
   */
  nonceStore?: NonceStore
  /** Meta's Limited Login uninstall endpoint. @default 'https://www.limited.facebook.com/platform/uninstall/' */
  uninstallUrl?: string
}

/** {@link LimitedLoginOptions} after defaults. */
export interface ResolvedLimitedLoginOptions {
  jwksUrl: string
  discoveryUrl: string | undefined
  /** `undefined` only while a discovery document is to tell it. */
  issuer: string | undefined
  clockToleranceMs: number
  jwksCooldownMs: number
  nonceStore: NonceStore | undefined
  uninstallUrl: string
}

/**
 * Meta's Limited Login endpoints and the values we expect (docs/graph-protocol.md#limited-login).
 *
 * @example
 * ```ts
 * import { LIMITED_LOGIN_DEFAULTS } from '@tokens/core'
 * console.log(LIMITED_LOGIN_DEFAULTS.issuer) // 'https://www.facebook.com'
 * ```
 */
export const LIMITED_LOGIN_DEFAULTS = Object.freeze({
  jwksUrl: 'https://limited.facebook.com/.well-known/oauth/openid/jwks/',
  issuer: 'https://www.facebook.com',
  clockToleranceSeconds: 30,
  jwksCooldownSeconds: 60,
  uninstallUrl: 'https://www.limited.facebook.com/platform/uninstall/',
})

function fail(option: string, must: string): never {
  throw new TypeError(`createTokens: option 'limitedLogin.${option}' ${must}`)
}

function url(value: unknown, option: string): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || !/^https?:\/\/[^/\s]+(\/\S*)?$/.test(value)) fail(option, 'must be an http(s) URL')
  return value
}

function seconds(value: unknown, option: string, fallback: number): number {
  if (value === undefined) return fallback * 1000
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) fail(option, 'must be a number ≥ 0')
  return value * 1000
}

/** Applies defaults and validates `limitedLogin`; mistakes throw a `TypeError` naming the option. */
export function resolveLimitedLoginOptions(options: LimitedLoginOptions | undefined): ResolvedLimitedLoginOptions {
  const o: LimitedLoginOptions = options ?? {}
  if (typeof o !== 'object' || o === null) throw new TypeError("createTokens: option 'limitedLogin' must be an object")
  const discoveryUrl = url(o.discoveryUrl, 'discoveryUrl')
  const issuer = o.issuer
  if (issuer !== undefined && (typeof issuer !== 'string' || issuer === '')) fail('issuer', 'must be a string')
  const store = o.nonceStore
  if (store !== undefined && typeof (store as { claim?: unknown } | null)?.claim !== 'function') {
    fail('nonceStore', 'must be a NonceStore (missing: claim)')
  }
  return {
    jwksUrl: url(o.jwksUrl, 'jwksUrl') ?? LIMITED_LOGIN_DEFAULTS.jwksUrl,
    discoveryUrl,
    issuer: issuer ?? (discoveryUrl === undefined ? LIMITED_LOGIN_DEFAULTS.issuer : undefined),
    clockToleranceMs: seconds(
      o.clockToleranceSeconds,
      'clockToleranceSeconds',
      LIMITED_LOGIN_DEFAULTS.clockToleranceSeconds,
    ),
    jwksCooldownMs: seconds(o.jwksCooldownSeconds, 'jwksCooldownSeconds', LIMITED_LOGIN_DEFAULTS.jwksCooldownSeconds),
    nonceStore: store,
    uninstallUrl: url(o.uninstallUrl, 'uninstallUrl') ?? LIMITED_LOGIN_DEFAULTS.uninstallUrl,
  }
}
