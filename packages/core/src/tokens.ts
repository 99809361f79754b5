import * as acquisition from './acquisition.js'
import { LruVerificationCache, type VerificationCache } from './cache.js'
import { publishEvent } from './diagnostics.js'
import { isTokenError, TokenError } from './errors.js'
import { messageOf, type TokensEvent } from './events.js'
import { type ExtractOptions, extractToken, type RequestLike, type TokenSources } from './extract.js'
import { GraphClient } from './graph-client.js'
import { isJwt } from './limited-login.js'
import { postUninstall } from './limited-login-uninstall.js'
import { consumeNonce, MemoryNonceStore, type NonceStore } from './nonce-store.js'
import { type ResolvedOptions, resolveOptions, type TokensOptions } from './options.js'
import { asOutage, misconfigured } from './outage.js'
import { acceptedTypes, acceptsOnlyWhenNamed, checkRequirement, type TokenRequirement } from './requirement.js'
import type { SignedRequestPayload } from './signed-request.js'
import {
  type DataDeletionAnswer,
  type DataDeletionOptions,
  SignedRequestCallbacks,
} from './signed-request-callbacks.js'
import { storeKind, Telemetry } from './telemetry.js'
import {
  type AccessToken,
  AppToken,
  ClientToken,
  type LimitedLoginToken,
  type PageToken,
  type SystemUserToken,
  type TokenOfType,
  type TokenType,
  type UserToken,
} from './token.js'
import type { GraphUsage } from './usage.js'
import { Pending, Verifier } from './verifier.js'

const BRAND = Symbol.for('@tokens/core.Tokens')

/**
 * Options of {@link Tokens.authenticate}: a requirement, and whether a token must be present.
 *
 * @example
 * ```ts
 * import type { AuthenticateOptions } from '@tokens/core'
 * const options: AuthenticateOptions<'page'> = { required: true, type: 'page', secure: req.secure }
 * const page = await tokens.authenticate(req, options) // a PageToken, or a TokenError (required: never undefined)
 * ```
 */
export interface AuthenticateOptions<T extends TokenType = TokenType> extends TokenRequirement<T> {
  /** Refuse requests without a token (`token_required`). @default false */
  required?: boolean
  /**
   * Whether the request came over HTTPS (adapters know: `req.secure`, `trust proxy`). A token on an
   * insecure request is refused as `invalid_request` before any Graph call: Meta requires tokens to
   * travel over HTTPS. @default true
   */
  secure?: boolean
}

/**
 * Options of {@link Tokens.verify}: a requirement, and the nonce of a Limited Login.
 *
 * @example
 * ```ts
 * import type { VerifyOptions } from '@tokens/core'
 * const options: VerifyOptions<'limited_login'> = { type: 'limited_login', nonce: 'the-nonce-the-app-issued' }
 * const person = await tokens.verify(raw, options)
 * ```
 */
export interface VerifyOptions<T extends TokenType = TokenType> extends TokenRequirement<T> {
  /**
   * The nonce the app gave the Limited Login that produced the token: the token must carry it, and
   * each nonce is accepted once (the nonce store remembers it until the token expires). Pass it where
   * the app signs a person in; leave it out where the token is only presented again. @default none
   */
  nonce?: string
}

/**
 * The core object: verifies, acquires, stores and revokes tokens. Build it once at startup with
 * {@link createTokens} and share it.
 *
 * @example
 * ```ts
 * import { createTokens, type Tokens } from '@tokens/core'
 * const core: Tokens = createTokens({ appId, appSecret }) // once, at startup; share it
 * const user = await core.verify(raw, { type: 'user' })
 * const pages = await core.pageTokens(user)
 * ```
 */
export class Tokens {
  readonly [BRAND] = true
  /** The Graph client, with `appsecret_proof` on every call. */
  readonly graph: GraphClient
  readonly #options: ResolvedOptions
  readonly #cache: VerificationCache
  readonly #verifier: Verifier
  readonly #extractOptions: ExtractOptions
  readonly #callbacks: SignedRequestCallbacks
  /**
   * Client tokens verified on a request whose requirement did not name `client` (a `tokens()`
   * middleware, a route without requirement): not attached as a sign-in, kept for a later
   * requirement of the same request that names `client` ({@link authorize} with the request).
   */
  readonly #withheld = new WeakMap<object, AccessToken>()
  readonly #nonces: NonceStore
  /** OpenTelemetry spans and metrics: `undefined` when off or when `@opentelemetry/api` is not installed. */
  readonly #telemetry: Telemetry | undefined
  #closed = false

  constructor(options: TokensOptions) {
    const resolved = resolveOptions(options)
    this.#options = resolved
    const telemetry = resolved.openTelemetry ? Telemetry.load(resolved.appId) : undefined
    this.#telemetry = telemetry
    this.graph = new GraphClient({ ...resolved, emit: this.#emit, telemetry })
    this.#cache =
      resolved.cache ?? new LruVerificationCache({ maxEntries: resolved.cacheMaxEntries, clock: resolved.clock })
    const verifier = new Verifier(resolved, this.graph, this.#cache, this.#emit, telemetry)
    this.#verifier = verifier
    telemetry?.observe({ queued: () => verifier.queued, usage: () => this.graph.usage })
    const cache = this.#cache
    this.#nonces =
      resolved.limitedLogin.nonceStore ??
      (cache.claim === undefined
        ? new MemoryNonceStore({ clock: resolved.clock })
        : { claim: (key, ttlMs) => (cache.claim as NonNullable<VerificationCache['claim']>).call(cache, key, ttlMs) })
    this.#callbacks = new SignedRequestCallbacks(resolved, this.#cache, this.#emit, (userId) => this.revokeUser(userId))
    this.#extractOptions = {
      sources: resolved.tokenSources,
      maxTokenLength: resolved.maxTokenLength,
      allowCrossSiteCookies: resolved.allowCrossSiteCookies,
    }
  }

  /** The app id tokens are verified for. */
  get appId(): string {
    return this.#options.appId
  }

  /** The `realm` of challenges. */
  get realm(): string {
    return this.#options.realm
  }

  /**
   * Where this core looks for a request's token (its `tokenSources` option): an adapter that must
   * verify after the body is parsed for a form-body token can tell, whoever built the core.
   *
   * @example
   * ```ts
   * const tokens = createTokens({ appId, appSecret, tokenSources: { header: true, body: true } })
   * tokens.tokenSources.body // true
   * ```
   */
  get tokenSources(): Readonly<TokenSources> {
    return this.#options.tokenSources
  }

  /** The latest rate-limit readings from Graph's headers. */
  get usage(): GraphUsage {
    return this.graph.usage
  }

  readonly #emit = (event: TokensEvent): void => {
    publishEvent(event)
    if (this.#options?.onEvent === undefined) return
    try {
      this.#options.onEvent(event)
    } catch {
      // A failing logger must not fail a request.
    }
  }

  /**
   * Verifies a raw token with Graph's `debug_token` (cached, coalesced) and checks the requirement.
   * A Limited Login ID token (a JWT) is verified against Meta's keys instead, and only where the
   * requirement names `limited_login`; `nonce` checks the one the app gave the login.
   *
   * @example
   * ```ts
   * const page = await tokens.verify(raw, { type: 'page', scopes: ['pages_manage_posts'] })
   * page.pageId
   * const person = await tokens.verify(raw, { type: 'limited_login', nonce: 'the-nonce-the-app-issued' })
   * person.userId
   * ```
   */
  async verify<T extends TokenType = TokenType>(
    raw: string,
    requirement: VerifyOptions<T> = {},
  ): Promise<TokenOfType<T>> {
    this.#open()
    if (typeof raw === 'string') this.#refuseLimitedLogin(raw, requirement)
    const token = await this.#verifier.verify(raw)
    const accepted = checkRequirement(token, requirement)
    if (requirement.nonce !== undefined) {
      if (token.type !== 'limited_login') throw new TypeError('verify: nonce applies to limited_login tokens only')
      await consumeNonce(token, requirement.nonce, {
        store: this.#nonces,
        appId: this.#options.appId,
        clock: this.#options.clock,
        clockToleranceMs: this.#options.limitedLogin.clockToleranceMs,
      })
    }
    return accepted
  }

  /**
   * A Limited Login token (told by its shape, before any network call) where the requirement does not
   * name `limited_login`: refused at once, without fetching Meta's keys.
   */
  #refuseLimitedLogin(raw: string, requirement: TokenRequirement<TokenType>): void {
    if (!isJwt(raw)) return
    const types = acceptedTypes<TokenType>(requirement.type)
    if (types?.includes('limited_login')) return
    checkRequirement(this.#verifier.limitedLoginShape(raw), requirement)
  }

  /**
   * Finds the request's token (RFC 6750), verifies it and checks the requirement. Resolves
   * `undefined` when there is no token and none is `required`. Rejects only with `TokenError`
   * (and `TypeError` for a request without headers).
   *
   * @example
   * ```ts
   * const token = await tokens.authenticate(req, { required: true, type: 'user' })
   * ```
   */
  authenticate<T extends TokenType = TokenType>(
    req: RequestLike,
    options: AuthenticateOptions<T> = {},
  ): Promise<TokenOfType<T> | undefined> {
    try {
      return Promise.resolve(this.tryAuthenticate(req, options))
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /**
   * {@link authenticate} for adapters on a hot path: answers at once when it can (no token, a token
   * in the in-process cache, a local rejection thrown as `TokenError`) and returns a promise only when
   * Graph or an asynchronous cache must be asked. Lets a middleware call `next()` without waiting.
   *
   * @example
   * ```ts
   * const result = tokens.tryAuthenticate(req)
   * if (result instanceof Promise) result.then(() => next(), next)
   * else next()
   * ```
   */
  tryAuthenticate<T extends TokenType = TokenType>(
    req: RequestLike,
    options: AuthenticateOptions<T> = {},
  ): TokenOfType<T> | undefined | Promise<TokenOfType<T> | undefined> {
    if (typeof req !== 'object' || req === null || typeof req.headers !== 'object' || req.headers === null) {
      throw new TypeError('authenticate: req must be a request with headers')
    }
    this.#open()
    let raw: string | undefined
    let attempt: AccessToken | Pending
    try {
      raw = extractToken(req, this.#extractOptions)
      if (raw === undefined) {
        if (options.required) checkRequirement(undefined, options)
        return undefined
      }
      if (options.secure === false) {
        throw new TokenError('invalid_request', 'Access tokens must be sent over HTTPS', {})
      }
      if (options.required) this.#refuseLimitedLogin(raw, options)
      attempt = this.#verifier.attempt(raw, true) // extractToken checked the syntax already
      if (!(attempt instanceof Pending)) return this.#settle(req, attempt, options)
    } catch (error) {
      throw this.#asTokenError(error)
    }
    return this.#verifier.finish(raw, attempt).then(
      (token) => this.#settle(req, token, options),
      (error: unknown) => {
        throw this.#asTokenError(error)
      },
    )
  }

  /**
   * The requirement's verdict on a verified token. A client token where nothing names `client` and
   * nothing requires a token is no sign-in: the request goes on without a token (kept aside for a
   * later requirement that names `client`); where a token is required, it is refused.
   */
  #settle<T extends TokenType>(
    req: RequestLike,
    token: AccessToken,
    options: AuthenticateOptions<T>,
  ): TokenOfType<T> | undefined {
    if (!options.required && acceptsOnlyWhenNamed(token.type)) {
      const types = acceptedTypes<TokenType>(options.type)
      if (types === undefined || !types.includes(token.type)) {
        this.#withheld.set(req, token)
        return undefined
      }
    }
    return checkRequirement(token, options)
  }

  /** Only `TokenError`s leave `authenticate`: anything else means Graph could not be asked. */
  #asTokenError(error: unknown): TokenError {
    if (isTokenError(error)) return error
    return new TokenError('graph_unavailable', 'Token verification failed', {
      cause: error,
    })
  }

  /**
   * Checks an already verified token (or its absence) against a requirement. Pass the request the
   * token was authenticated on as `req`: a client token that `authenticate` kept aside (it signs
   * nobody in) then meets a requirement that names `client`, and is refused by one that does not.
   *
   * @example
   * ```ts
   * const token = await tokens.authenticate(req) // verified earlier, e.g. by a middleware
   * const user = tokens.authorize(token, { type: 'user' }, req)
   * ```
   */
  authorize<T extends TokenType = TokenType>(
    token: Parameters<typeof checkRequirement>[0],
    requirement: TokenRequirement<T> = {},
    req?: RequestLike,
  ): TokenOfType<T> {
    const found = token ?? (req === undefined ? undefined : this.#withheld.get(req))
    return checkRequirement(found, requirement)
  }

  /** The app token `{app_id}|{app_secret}`, composed without a network call. */
  appToken(): AppToken {
    const { appId, appSecret } = this.#options
    return new AppToken(`${appId}|${appSecret}`, localInfo(appId, 'app'))
  }

  /** The client token `{app_id}|{client_token}`; throws when `clientToken` is not configured. */
  clientToken(): ClientToken {
    const { appId, clientToken } = this.#options
    if (clientToken === undefined) throw new TypeError("clientToken() needs the 'clientToken' option")
    return new ClientToken(`${appId}|${clientToken}`, localInfo(appId, 'client'))
  }

  /**
   * Asks Graph whether the app's own credentials (`appId`, `appSecret`) are right: call it at boot
   * so a wrong secret fails the deploy instead of answering every request 500. Throws a
   * `misconfigured` `TokenError` saying what Graph refused (never the secret), or
   * `graph_unavailable` while Graph cannot be asked.
   *
   * @example
   * ```ts
   * const tokens = createTokens({ appId: process.env.FB_APP_ID!, appSecret: process.env.FB_APP_SECRET! })
   * await tokens.checkCredentials() // before app.listen()
   * ```
   */
  async checkCredentials(): Promise<void> {
    this.#open()
    const { appId } = this.#options
    const appToken = this.appToken().value
    let body: unknown
    try {
      body = await this.graph.get('/debug_token', { token: appToken, params: { input_token: appToken } })
    } catch (error) {
      throw this.#credentialsRefused(asOutage(error, this.graph, 'Graph API could not check the app credentials', true))
    }
    const data = (body as { data?: { is_valid?: unknown; app_id?: unknown } } | null)?.data
    if (data?.is_valid !== true || String(data.app_id) !== appId) {
      throw this.#credentialsRefused(misconfigured(`Graph does not know app ${appId} with this secret`))
    }
  }

  /** Reports a `misconfigured` error as an event too; returns what it was given. */
  #credentialsRefused(error: unknown): unknown {
    if (isTokenError(error) && error.code === 'misconfigured') {
      this.#emit({ type: 'error', where: 'credentials', message: error.message })
    }
    return error
  }

  /** Exchanges a login `code` for a short-lived user token. Graph failures throw `GraphApiError`. */
  exchangeCode(params: { code: string; redirectUri: string }): Promise<UserToken> {
    return acquisition.exchangeCode(this.#acquisition(), params)
  }

  /**
   * Exchanges a short-lived user token for a long-lived one, or refreshes a system user token for
   * another 60 days, and stores the result.
   */
  exchangeForLongLived<T extends UserToken | SystemUserToken>(token: T): Promise<T> {
    return acquisition.exchangeForLongLived(this.#acquisition(), token)
  }

  /**
   * The user's profile (`GET /me` with `fields`), as Graph answers it: what a login shows. A Graph
   * outage is `graph_unavailable`, like every acquisition.
   *
   * @example
   * ```ts
   * const user = await tokens.verify(raw, { type: 'user' })
   * const me = await tokens.profile(user, { fields: ['id', 'name', 'email'] })
   * console.log(me.name)
   * ```
   */
  profile(userToken: UserToken, options: { fields?: readonly string[] } = {}): Promise<Record<string, unknown>> {
    return acquisition.profile(this.#acquisition(), userToken, options.fields)
  }

  /** Page tokens of every Page the user manages (paging followed), from the store or Graph; stored. */
  pageTokens(userToken: UserToken, options?: acquisition.PageTokenOptions): Promise<PageToken[]> {
    return acquisition.pageTokens(this.#acquisition(), userToken, options)
  }

  /** The Page token of one Page, from the store or Graph; stored. */
  pageToken(userToken: UserToken, pageId: string, options?: acquisition.PageTokenOptions): Promise<PageToken> {
    return acquisition.pageToken(this.#acquisition(), userToken, pageId, options)
  }

  /** Verifies a `signed_request` with the app secret (constant time, max age): `invalid_request` otherwise. */
  parseSignedRequest(signedRequest: unknown): SignedRequestPayload {
    return this.#callbacks.parse(signedRequest)
  }

  /**
   * Handles a deauthorize callback: verifies the `signed_request`, refuses a replay, and forgets
   * every cached and stored token of the user. Returns the payload.
   */
  deauthorize(signedRequest: unknown): Promise<SignedRequestPayload> {
    this.#open()
    return this.#callbacks.deauthorize(signedRequest)
  }

  /**
   * Handles a data deletion callback: verifies, calls `onDelete`, revokes the user, and returns the
   * `{ url, confirmation_code }` Meta requires.
   */
  dataDeletion(signedRequest: unknown, options: DataDeletionOptions): Promise<DataDeletionAnswer> {
    this.#open()
    return this.#callbacks.dataDeletion(signedRequest, options)
  }

  /** Forgets every cached verification and stored token of a user (user and Page tokens). */
  async revokeUser(userId: string): Promise<void> {
    if (typeof userId !== 'string' || userId === '') throw new TypeError('revokeUser: userId is required')
    // Both, whatever happens to one: a failed cache must not leave stored tokens behind.
    const [cache, store] = await Promise.allSettled([
      (async () => this.#cache.deleteUser(userId))(),
      (async () => {
        const store = this.#options.store
        if (store === undefined) return
        const { appId } = this.#options
        const telemetry = this.#telemetry
        if (telemetry === undefined) await store.deleteUser(appId, userId)
        else await telemetry.store('deleteUser', storeKind(store), async () => store.deleteUser(appId, userId))
      })(),
    ])
    const failures = [
      ['cache', cache],
      ['store', store],
    ] as const
    for (const [where, result] of failures) {
      if (result.status === 'rejected') {
        this.#emit({ type: 'error', where, message: messageOf(result.reason, `${where} delete failed`) })
      }
    }
    if (cache.status === 'rejected') throw cache.reason
    if (store.status === 'rejected') {
      throw new TokenError('store_unavailable', 'The token store is unavailable', {
        cause: store.reason,
      })
    }
    this.#emit({ type: 'revoke', userId })
  }

  /**
   * A person leaves an iOS app that uses Limited Login: verifies their ID token, tells Meta (`POST`
   * to the Limited Login uninstall endpoint with `id_token` and `app_id`), and forgets every cached
   * and stored token of the user as {@link revokeUser} does, even when Meta could not be told (the
   * error is thrown after). Returns the verified token.
   *
   * @example
   * ```ts
   * const person = await tokens.uninstallLimitedLogin(raw)
   * console.log(`${person.userId} left`)
   * ```
   */
  async uninstallLimitedLogin(idToken: string): Promise<LimitedLoginToken> {
    const token = await this.verify(idToken, { type: 'limited_login' })
    let failure: unknown
    try {
      await postUninstall(this.#options, idToken, token.appId)
    } catch (error) {
      failure = error
    }
    await this.revokeUser(token.userId)
    if (failure !== undefined) throw failure
    return token
  }

  /** Releases the cache and the store. Further calls throw. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#telemetry?.close()
    await this.#cache.close?.()
    await this.#options.store?.close?.()
  }

  #open(): void {
    if (this.#closed) throw new TypeError('This tokens instance is closed')
  }

  #acquisition(): acquisition.AcquisitionContext {
    this.#open()
    return {
      options: this.#options,
      graph: this.graph,
      store: this.#options.store,
      verify: (raw) => this.#verifier.verify(raw),
      remember: (raw, info) => this.#verifier.remember(raw, info),
      emit: this.#emit,
      telemetry: this.#telemetry,
    }
  }
}

function localInfo(appId: string, type: 'app' | 'client') {
  return { type, appId, scopes: [], granularScopes: [], issuedAt: null, expiresAt: null, dataAccessExpiresAt: null }
}

/**
 * Builds the core object. Caller mistakes (a missing `appSecret`) throw `TypeError` at once.
 *
 * @example
 * ```ts
 * import { createTokens } from '@tokens/core'
 * const tokens = createTokens({ appId: process.env.FB_APP_ID!, appSecret: process.env.FB_APP_SECRET! })
 * const user = await tokens.verify(raw, { type: 'user' })
 * ```
 */
export function createTokens(options: TokensOptions): Tokens {
  return new Tokens(options)
}

/**
 * True for a {@link Tokens} instance, from any copy of this package: adapters accept options or an instance.
 *
 * @example
 * ```ts
 * import { createTokens, type Tokens, type TokensOptions } from '@tokens/core'
 * import { isTokens } from '@tokens/core/adapter'
 * function coreOf(options: TokensOptions | Tokens): Tokens {
 *   return isTokens(options) ? options : createTokens(options)
 * }
 * ```
 */
export function isTokens(value: unknown): value is Tokens {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true
}
