import type { VerificationCache } from './cache.js'
import type { TokensEvent } from './events.js'
import type { TokenSources } from './extract.js'
import type { RetryOptions } from './graph-client.js'
import {
  type LimitedLoginOptions,
  type ResolvedLimitedLoginOptions,
  resolveLimitedLoginOptions,
} from './limited-login-options.js'
import type { TokenStore } from './store.js'

/**
 * Options of `createTokens`. Only `appId` and `appSecret` are required; everything else has a
 * default chosen for production against the real Graph API.
 *
 * @example
 * ```ts
 * import { createTokens, MemoryStore, type TokensOptions } from '@tokens/core'
 * const options: TokensOptions = {
 *   appId: process.env.FB_APP_ID!,
 *   appSecret: process.env.FB_APP_SECRET!,
 *   store: new MemoryStore(),
 *   tokenSources: { header: true, cookie: 'fb_token' },
 *   onEvent: (event) => console.log(event.type),
 * }
 * const tokens = createTokens(options)
 * ```
 */
export interface TokensOptions {
  /** The Meta app id (digits). */
  appId: string
  /** The app secret: signs `appsecret_proof`, builds the app token, checks `signed_request`. */
  appSecret: string
  /** The app's client token (dashboard → Settings → Advanced), to recognise `{app_id}|{client_token}`. */
  clientToken?: string
  /** Graph API base URL; point it at `@tokens/emulator` in tests. @default 'https://graph.facebook.com' */
  graphUrl?: string
  /** Graph API version of every call, or `''` for unversioned calls. @default 'v25.0' */
  graphVersion?: string
  /** Ids of other apps (yours) whose tokens are accepted too. @default [] */
  acceptAppIds?: readonly string[]
  /** Where verifications are cached. @default an in-process LRU of `cacheMaxEntries` entries */
  cache?: VerificationCache
  /** Entries of the default in-process cache. @default 10000 */
  cacheMaxEntries?: number
  /** Where acquired tokens are kept (`MemoryStore`, `@tokens/sqlite`, `@tokens/redis`). @default none */
  store?: TokenStore
  /** The `fetch` Graph calls go through. @default globalThis.fetch */
  fetch?: typeof fetch
  /**
   * Deadline in ms of a request's whole wait for a verification (its time in the queue, every
   * attempt and back-off, another process's call it waits for), and of every other Graph call,
   * retries included. Past it, the request gets 503 `graph_unavailable`. @default 5000
   */
  timeoutMs?: number
  /** Retries of transient and throttled Graph calls: a count, or the full policy. @default 2 */
  retries?: number | RetryOptions
  /** Longest time a verification is trusted before Graph is asked again. @default 300 */
  cacheTtlSeconds?: number
  /** How long a rejection is remembered (tokens do not come back to life). @default 60 */
  rejectionTtlSeconds?: number
  /** While Graph is down, tokens verified this recently are still accepted. `0` disables. @default 600 */
  staleOnOutageSeconds?: number
  /** Longer tokens are refused without a Graph call. @default 8192 */
  maxTokenLength?: number
  /** Where tokens may arrive in a request. @default { header: true } */
  tokenSources?: TokenSources
  /**
   * Accept a token from the cookie source on an unsafe request (POST, PUT, PATCH, DELETE…) that a
   * browser says comes from another origin (`Sec-Fetch-Site` other than `same-origin`, or an `Origin`
   * that is not the request's host). Off, such a request is refused as `invalid_request`: a cookie
   * travels with cross-site requests, so it would sign a forged form post in (CSRF). Turn on only
   * when you check CSRF yourself. @default false
   */
  allowCrossSiteCookies?: boolean
  /** Verifications in flight at once; more wait for a slot. @default 16 */
  maxConcurrentVerifications?: number
  /**
   * Verifications that may wait for a slot; when this many wait, a new token is answered 503
   * `graph_unavailable` (`Retry-After: 1`) at once. Bounds the memory a flood of new tokens can
   * hold. @default 256
   */
  maxQueuedVerifications?: number
  /** Percent of Graph's rate budget at which new, unknown tokens are answered 503 to save the rest. @default 90 */
  usageLimitPercent?: number
  /**
   * `debug_token` calls per minute (per process) for tokens that are not in the cache; beyond it, new
   * tokens get 503 with `Retry-After` while cached ones keep working. A hard bound on what a flood of
   * unknown tokens can spend, whatever Graph's own budget. @default Infinity (only `usageLimitPercent`)
   */
  maxVerificationsPerMinute?: number
  /** Maximum age of a `signed_request` (replay protection). @default 3600 */
  signedRequestMaxAgeSeconds?: number
  /** The `realm` of `WWW-Authenticate` challenges. @default 'api' */
  realm?: string
  /** The clock, in ms since the epoch (tests move it). @default Date.now */
  clock?: () => number
  /** Receives events for logging and metrics; never a raw token. */
  onEvent?: (event: TokensEvent) => void
  /** iOS Limited Login: where Meta's keys are, the issuer, clock tolerance, nonce store. @default Meta's endpoints */
  limitedLogin?: LimitedLoginOptions
  /**
   * OpenTelemetry spans and metrics (verifications, Graph calls, store operations), reported through
   * `@opentelemetry/api` when the application has it installed; without it nothing is loaded whatever
   * this says. `false` turns them off. @default true
   */
  openTelemetry?: boolean
}

/** Options after defaults, as the core uses them: the numeric ones under their own names ({@link NUMBERS}). */
export interface ResolvedOptions extends Readonly<Record<NumberOption, number>> {
  appId: string
  appSecret: string
  clientToken: string | undefined
  graphUrl: string
  graphVersion: string
  acceptAppIds: ReadonlySet<string>
  cache: VerificationCache | undefined
  store: TokenStore | undefined
  fetch: typeof fetch
  retry: Required<RetryOptions>
  tokenSources: TokenSources
  allowCrossSiteCookies: boolean
  maxVerificationsPerMinute: number
  realm: string
  clock: () => number
  onEvent: ((event: TokensEvent) => void) | undefined
  limitedLogin: ResolvedLimitedLoginOptions
  openTelemetry: boolean
}

/**
 * The defaults, in one place.
 *
 * @example
 * ```ts
 * import { createTokens, DEFAULTS } from '@tokens/core'
 * DEFAULTS.graphVersion // 'v25.0'
 * const tokens = createTokens({ appId, appSecret, timeoutMs: DEFAULTS.timeoutMs * 2 }) // a slow network
 * ```
 */
export const DEFAULTS = Object.freeze({
  graphUrl: 'https://graph.facebook.com',
  graphVersion: 'v25.0',
  cacheMaxEntries: 10_000,
  timeoutMs: 5000,
  retries: 2,
  retryBaseDelayMs: 200,
  retryMaxDelayMs: 2000,
  cacheTtlSeconds: 300,
  rejectionTtlSeconds: 60,
  staleOnOutageSeconds: 600,
  maxTokenLength: 8192,
  maxConcurrentVerifications: 16,
  maxQueuedVerifications: 256,
  usageLimitPercent: 90,
  maxVerificationsPerMinute: Number.POSITIVE_INFINITY,
  signedRequestMaxAgeSeconds: 3600,
  realm: 'api',
  openTelemetry: true,
})

/**
 * The options that are a plain number, each with the least value it may take: validated, defaulted
 * from {@link DEFAULTS} and resolved by one loop, under their own names.
 */
const NUMBERS = {
  cacheMaxEntries: 1,
  timeoutMs: 1,
  cacheTtlSeconds: 0,
  rejectionTtlSeconds: 0,
  staleOnOutageSeconds: 0,
  maxTokenLength: 16,
  maxConcurrentVerifications: 1,
  maxQueuedVerifications: 0,
  usageLimitPercent: 1,
  signedRequestMaxAgeSeconds: 0,
} as const satisfies Partial<Record<keyof typeof DEFAULTS & keyof TokensOptions, number>>

/** The name of a plain numeric option. */
type NumberOption = keyof typeof NUMBERS

function numbers(options: TokensOptions): Record<NumberOption, number> {
  const resolved = {} as Record<NumberOption, number>
  for (const name of Object.keys(NUMBERS) as NumberOption[]) {
    resolved[name] = count(options, name, DEFAULTS[name], NUMBERS[name])
  }
  return resolved
}

function fail(option: string, must: string): never {
  throw new TypeError(`createTokens: option '${option}' ${must}`)
}

function count(options: TokensOptions, name: keyof TokensOptions, fallback: number, min = 0): number {
  const value = options[name]
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) fail(name, `must be a number ≥ ${min}`)
  return value
}

function rate(value: number | undefined): number {
  if (value === undefined || value === Number.POSITIVE_INFINITY) return DEFAULTS.maxVerificationsPerMinute
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    fail('maxVerificationsPerMinute', 'must be a whole number ≥ 1 (or Infinity)')
  }
  return value
}

function secret(options: TokensOptions, name: 'appSecret' | 'clientToken'): string {
  const value = options[name]
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]{8,256}$/.test(value)) {
    fail(name, 'must be the string from the Meta app dashboard')
  }
  return value
}

/** `value`, when given, is an object with every method a `what` must have. */
function implementsAll(value: unknown, option: string, methods: readonly string[], what: string): void {
  if (value === undefined) return
  const missing = methods.filter((method) => typeof (value as Record<string, unknown> | null)?.[method] !== 'function')
  if (typeof value !== 'object' || value === null || missing.length > 0) {
    fail(option, `must be ${what} (missing: ${missing.join(', ') || 'an object'})`)
  }
}

const SOURCE_NAMES: ReadonlySet<string> = new Set(['header', 'query', 'body', 'cookie'])

/** `tokenSources`: only the four sources, each a boolean (`cookie`: a cookie name or `false`). */
function sources(value: TokenSources | undefined): TokenSources {
  if (value === undefined) return { header: true }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail('tokenSources', 'must be an object such as { header: true, query: false }')
  }
  for (const [name, enabled] of Object.entries(value)) {
    if (!SOURCE_NAMES.has(name)) fail('tokenSources', `has no source '${name}' (header, query, body, cookie)`)
    const ok =
      name === 'cookie'
        ? enabled === undefined || enabled === false || (typeof enabled === 'string' && enabled !== '')
        : enabled === undefined || typeof enabled === 'boolean'
    if (!ok) fail('tokenSources', `.${name} must be ${name === 'cookie' ? 'a cookie name or false' : 'a boolean'}`)
  }
  return value
}

/** Applies defaults and validates; caller mistakes throw a `TypeError` naming the option. */
export function resolveOptions(options: TokensOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('createTokens: options must be an object')
  if (typeof options.appId !== 'string' || !/^\d{1,32}$/.test(options.appId))
    fail('appId', 'must be a string of digits')
  const appSecret = secret(options, 'appSecret')
  const clientToken = options.clientToken === undefined ? undefined : secret(options, 'clientToken')
  const graphUrl = options.graphUrl ?? DEFAULTS.graphUrl
  if (typeof graphUrl !== 'string' || !/^https?:\/\/[^/]+$/.test(graphUrl.replace(/\/+$/, ''))) {
    fail('graphUrl', 'must be an http(s) origin such as https://graph.facebook.com')
  }
  const graphVersion = options.graphVersion ?? DEFAULTS.graphVersion
  if (typeof graphVersion !== 'string' || !/^(v\d+\.\d+)?$/.test(graphVersion)) {
    fail('graphVersion', "must look like 'v25.0' (or '' for unversioned calls)")
  }
  const acceptAppIds = options.acceptAppIds ?? []
  if (!Array.isArray(acceptAppIds) || !acceptAppIds.every((id) => typeof id === 'string' && /^\d{1,32}$/.test(id))) {
    fail('acceptAppIds', 'must be an array of app ids')
  }
  const fetchFn = options.fetch ?? globalThis.fetch
  if (typeof fetchFn !== 'function') fail('fetch', 'must be a function')
  if (options.clock !== undefined && typeof options.clock !== 'function') fail('clock', 'must be a function')
  if (options.onEvent !== undefined && typeof options.onEvent !== 'function') fail('onEvent', 'must be a function')
  const allowCrossSiteCookies = options.allowCrossSiteCookies ?? false
  if (typeof allowCrossSiteCookies !== 'boolean') fail('allowCrossSiteCookies', 'must be a boolean')
  const openTelemetry = options.openTelemetry ?? DEFAULTS.openTelemetry
  if (typeof openTelemetry !== 'boolean') fail('openTelemetry', 'must be a boolean')
  implementsAll(options.cache, 'cache', ['get', 'set', 'deleteUser'], 'a VerificationCache')
  implementsAll(
    options.store,
    'store',
    ['save', 'findUserToken', 'findPageToken', 'listPageTokens', 'deleteUser'],
    'a TokenStore',
  )
  const tokenSources = sources(options.tokenSources)
  const retries = options.retries ?? DEFAULTS.retries
  const retryPolicy: RetryOptions = typeof retries === 'number' ? { retries } : retries
  const retry: Required<RetryOptions> = {
    retries: retryPolicy.retries ?? DEFAULTS.retries,
    baseDelayMs: retryPolicy.baseDelayMs ?? DEFAULTS.retryBaseDelayMs,
    maxDelayMs: retryPolicy.maxDelayMs ?? DEFAULTS.retryMaxDelayMs,
  }
  if (!Number.isInteger(retry.retries) || retry.retries < 0 || retry.retries > 10) fail('retries', 'must be 0-10')
  if (!(retry.baseDelayMs >= 0) || !(retry.maxDelayMs >= 0)) fail('retries', 'delays must be ≥ 0')
  const realm = options.realm ?? DEFAULTS.realm
  if (typeof realm !== 'string' || !/^[\x20-\x7e]{1,100}$/.test(realm)) fail('realm', 'must be printable ASCII')

  return {
    ...numbers(options),
    appId: options.appId,
    appSecret,
    clientToken,
    graphUrl: graphUrl.replace(/\/+$/, ''),
    graphVersion,
    acceptAppIds: new Set(acceptAppIds),
    cache: options.cache,
    store: options.store,
    fetch: fetchFn,
    retry,
    tokenSources,
    allowCrossSiteCookies,
    maxVerificationsPerMinute: rate(options.maxVerificationsPerMinute),
    realm,
    clock: options.clock ?? Date.now,
    onEvent: options.onEvent,
    limitedLogin: resolveLimitedLoginOptions(options.limitedLogin),
    openTelemetry,
  }
}
