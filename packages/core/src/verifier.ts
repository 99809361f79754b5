import * as crypto from 'node:crypto'
import { createHash } from 'node:crypto'
import type { CachedVerification, VerificationCache } from './cache.js'
import { interpretDebugToken, REASON_DESCRIPTIONS } from './debug-token.js'
import { eventChannelActive } from './diagnostics.js'
import { type InvalidTokenReason, isTokenError, TokenError } from './errors.js'
import { messageOf, type TokensEvent } from './events.js'
import { checkTokenSyntax } from './extract.js'
import type { GraphClient } from './graph-client.js'
import type { ResolvedOptions } from './options.js'
import { asOutage } from './outage.js'
import { constantTimeEqual } from './proof.js'
import { type AccessToken, type TokenInfo, tokenFromInfo } from './token.js'
import { VerificationRate } from './verification-rate.js'

/** `crypto.hash` (Node ≥ 20.12): one call instead of three, on every request. */
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash

/** The SHA-256 of a token, hex: the only form in which the cache knows it. */
export function tokenKey(raw: string): string {
  return oneShotHash ? oneShotHash('sha256', raw, 'hex') : createHash('sha256').update(raw).digest('hex')
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === 'function'
}

/** What a verification that could not finish at once carries to its asynchronous part. */
export class Pending {
  constructor(
    readonly key: string,
    readonly hit: CachedVerification | PromiseLike<CachedVerification | undefined> | undefined,
    readonly started: number,
  ) {}
}

/** Bounds how many `debug_token` calls are in flight; the rest wait their turn. */
class Slots {
  #free: number
  readonly #waiting: Array<() => void> = []
  constructor(size: number) {
    this.#free = size
  }
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--
    else await new Promise<void>((resolve) => this.#waiting.push(resolve))
    try {
      return await task()
    } finally {
      const next = this.#waiting.shift()
      if (next) next()
      else this.#free++
    }
  }
}

const USAGE_PROBE_MS = 30_000
/** Shortest token Graph issues that we would send to `debug_token`; shorter cannot be real. */
const MIN_GRAPH_TOKEN_LENGTH = 20

/**
 * Verifies raw tokens: local checks first (syntax, app and client tokens), then the cache, then one
 * coalesced `debug_token` call per token. Knows nothing of requests or requirements.
 */
export class Verifier {
  readonly #options: ResolvedOptions
  readonly #graph: GraphClient
  readonly #cache: VerificationCache
  readonly #emit: (event: TokensEvent) => void
  readonly #inflight = new Map<string, Promise<CachedVerification>>()
  readonly #slots: Slots
  readonly #rate: VerificationRate
  /** Whether anyone listens to events: the hot path builds none otherwise. */
  readonly #listening: boolean

  constructor(options: ResolvedOptions, graph: GraphClient, cache: VerificationCache, emit: (e: TokensEvent) => void) {
    this.#options = options
    this.#graph = graph
    this.#cache = cache
    this.#emit = emit
    this.#slots = new Slots(options.maxConcurrentVerifications)
    this.#rate = new VerificationRate(options.maxVerificationsPerMinute)
    this.#listening = options.onEvent !== undefined
  }

  /**
   * Verifies `raw`; rejects with `TokenError` (`invalid_request`, `invalid_token`, `graph_unavailable`).
   * `syntaxChecked` skips the syntax check when `extractToken` already made it.
   */
  verify(raw: string, syntaxChecked = false): Promise<AccessToken> {
    let attempt: AccessToken | Pending
    try {
      attempt = this.attempt(raw, syntaxChecked)
    } catch (error) {
      return Promise.reject(error)
    }
    return attempt instanceof Pending ? this.finish(raw, attempt) : Promise.resolve(attempt)
  }

  /**
   * The synchronous part of a verification: the token when it is known at once (app and client
   * tokens, a fresh entry of an in-process cache), else what the rest of the verification needs. Throws
   * `TokenError` for what is refused at once. Every request with a known token ends here.
   */
  attempt(raw: string, syntaxChecked = false): AccessToken | Pending {
    const { clock, maxTokenLength, realm } = this.#options
    if (typeof raw !== 'string' || raw === '')
      throw new TokenError('token_required', 'An access token is required', { realm })
    if (!syntaxChecked) checkTokenSyntax(raw, maxTokenLength, realm)
    const started = clock()
    let local: AccessToken | undefined
    try {
      local = this.#local(raw)
    } catch (error) {
      if (this.#listening || eventChannelActive()) this.#failed(error, tokenKey(raw), false, started, true)
      throw error
    }
    if (local !== undefined) {
      if (this.#listening || eventChannelActive()) this.#done(local, tokenKey(raw), false, started, true)
      return local
    }
    const key = tokenKey(raw)
    let hit: CachedVerification | PromiseLike<CachedVerification | undefined> | undefined
    try {
      hit = this.#cache.get(key)
    } catch (error) {
      this.#cacheFailed(error, 'read')
    }
    if (hit !== undefined && !isPromiseLike(hit) && hit.freshUntil > clock()) {
      try {
        return this.#done(this.#accept(raw, hit), key, true, started)
      } catch (error) {
        throw this.#failed(error, key, true, started)
      }
    }
    return new Pending(key, hit, started)
  }

  /** The asynchronous part of a verification that `attempt` could not finish. */
  async finish(raw: string, { key, hit, started }: Pending): Promise<AccessToken> {
    let cached = true
    try {
      let entry = isPromiseLike(hit)
        ? await Promise.resolve(hit).catch((e: unknown) => this.#cacheFailed(e, 'read'))
        : hit
      if (entry === undefined || entry.freshUntil <= this.#options.clock()) {
        cached = false
        entry = await this.#load(raw, key, entry)
      }
      return this.#done(this.#accept(raw, entry), key, cached, started)
    } catch (error) {
      throw this.#failed(error, key, cached, started)
    }
  }

  #done(token: AccessToken, key: string, cached: boolean, started: number, local = false): AccessToken {
    if (this.#listening || eventChannelActive()) {
      const durationMs = this.#options.clock() - started
      this.#emit({
        type: 'verify',
        outcome: 'valid',
        cached,
        ...(local ? { local } : {}),
        durationMs,
        fingerprint: key.slice(0, 12),
        tokenType: token.type,
      })
    }
    return token
  }

  #failed(error: unknown, key: string, cached: boolean, started: number, local = false): TokenError {
    const realm = this.#options.realm
    const e = isTokenError(error)
      ? error
      : new TokenError('graph_unavailable', 'Token verification failed', { realm, cause: error })
    if (this.#listening || eventChannelActive()) {
      this.#emit({
        type: 'verify',
        outcome: 'rejected',
        cached,
        ...(local ? { local } : {}),
        durationMs: this.#options.clock() - started,
        fingerprint: key.slice(0, 12),
        code: e.code,
        ...(e.reason === undefined ? {} : { reason: e.reason }),
      })
    }
    return e
  }

  /** `{app_id}|{app_secret}`, `{app_id}|{client_token}` and other apps' app tokens, without Graph. */
  #local(raw: string): AccessToken | undefined {
    const bar = raw.indexOf('|')
    if (bar < 0) {
      if (raw.length < MIN_GRAPH_TOKEN_LENGTH) throw this.#invalid('malformed')
      return undefined
    }
    const appId = raw.slice(0, bar)
    const rest = raw.slice(bar + 1)
    if (!/^\d{1,32}$/.test(appId) || rest === '' || rest.includes('|')) throw this.#invalid('malformed')
    const options = this.#options
    if (appId !== options.appId) {
      if (!options.acceptAppIds.has(appId)) throw this.#invalid('wrong_app')
      return undefined
    }
    const info: TokenInfo = {
      type: 'app',
      appId,
      scopes: [],
      granularScopes: [],
      issuedAt: null,
      expiresAt: null,
      dataAccessExpiresAt: null,
    }
    // Both comparisons always run, so timing does not tell which secret was close.
    const isSecret = constantTimeEqual(rest, options.appSecret)
    const isClient = options.clientToken !== undefined && constantTimeEqual(rest, options.clientToken)
    if (isSecret) return tokenFromInfo(raw, info)
    if (isClient) return tokenFromInfo(raw, { ...info, type: 'client' })
    return undefined // an app token from client_credentials: Graph knows it
  }

  /** A failing cache is a miss, never a failed request: reported as an event. */
  #cacheFailed(error: unknown, action: 'read' | 'write'): undefined {
    this.#emit({ type: 'error', where: 'cache', message: messageOf(error, `cache ${action} failed`) })
  }

  #invalid(reason: InvalidTokenReason): TokenError {
    return new TokenError('invalid_token', REASON_DESCRIPTIONS[reason], { reason, realm: this.#options.realm })
  }

  /** One Graph call per token at a time, however many requests ask; stale entries cover outages. */
  async #load(raw: string, key: string, stale: CachedVerification | undefined): Promise<CachedVerification> {
    let pending = this.#inflight.get(key)
    if (pending === undefined) {
      const load = () => this.#slots.run(() => this.#debugToken(raw, key))
      pending = (this.#cache.coalesce ? this.#cache.coalesce(key, load) : load()).finally(() =>
        this.#inflight.delete(key),
      )
      this.#inflight.set(key, pending)
    }
    try {
      return await pending
    } catch (error) {
      if (isTokenError(error) && error.code === 'graph_unavailable' && stale?.outcome === 'valid') {
        const { clock } = this.#options
        if (stale.keepUntil > clock() && stale.verifiedAt + this.#options.staleOnOutageMs > clock()) {
          this.#emit({
            type: 'stale_accept',
            fingerprint: key.slice(0, 12),
            tokenType: stale.info.type,
            ageMs: clock() - stale.verifiedAt,
          })
          return stale
        }
      }
      throw error
    }
  }

  async #debugToken(raw: string, key: string): Promise<CachedVerification> {
    const { appId, appSecret, clock, realm, usageLimitPercent } = this.#options
    const usage = this.#graph.usage
    if (this.#graph.nearLimit(usageLimitPercent) && clock() - (usage.updatedAt ?? 0) < USAGE_PROBE_MS) {
      throw new TokenError('graph_unavailable', 'The app is near its Graph API rate limit', {
        realm,
        retryAfterSeconds: this.#graph.retryAfterSeconds(),
      })
    }
    if (!this.#rate.take(clock())) {
      throw new TokenError('graph_unavailable', 'Too many new tokens to verify this minute', {
        realm,
        retryAfterSeconds: this.#rate.retryAfterSeconds(clock()),
      })
    }
    let body: unknown
    try {
      body = await this.#graph.get('/debug_token', { token: `${appId}|${appSecret}`, params: { input_token: raw } })
    } catch (error) {
      const outage = asOutage(error, this.#graph, realm, 'Graph API could not verify the token')
      if (isTokenError(outage)) throw outage
      // Any other Graph answer here (a bad app secret, a malformed call) is our configuration, not the
      // client's token: still never a 401 for the client.
      throw new TokenError('graph_unavailable', 'Graph API could not verify the token', { realm, cause: error })
    }
    const verdict = interpretDebugToken(body)
    if (verdict === undefined)
      throw new TokenError('graph_unavailable', 'Graph API gave no answer about the token', { realm })
    const now = clock()
    const entry = this.#entryOf(verdict, now)
    try {
      await this.#cache.set(key, entry)
    } catch (error) {
      this.#cacheFailed(error, 'write')
    }
    return entry
  }

  #entryOf(verdict: ReturnType<typeof interpretDebugToken> & object, now: number): CachedVerification {
    const { acceptAppIds, appId, cacheTtlMs, rejectionTtlMs, staleOnOutageMs } = this.#options
    if (verdict.outcome === 'valid' && verdict.info.appId !== appId && !acceptAppIds.has(verdict.info.appId)) {
      verdict = {
        outcome: 'rejected',
        reason: 'wrong_app',
        description: REASON_DESCRIPTIONS.wrong_app,
        userId: verdict.info.userId,
      }
    }
    if (verdict.outcome === 'rejected') {
      const until = now + rejectionTtlMs
      return { ...verdict, verifiedAt: now, freshUntil: until, keepUntil: until }
    }
    const { info } = verdict
    const limit = Math.min(
      info.expiresAt ?? Number.POSITIVE_INFINITY,
      info.dataAccessExpiresAt ?? Number.POSITIVE_INFINITY,
    )
    if (limit <= now) {
      // Valid for Graph, expired by our clock (or its data access is over): a rejection like any
      // other, remembered for rejectionTtlSeconds, not a Graph call on every request.
      const until = now + rejectionTtlMs
      const { userId } = info
      return {
        outcome: 'rejected',
        reason: 'expired',
        description: REASON_DESCRIPTIONS.expired,
        ...(userId === undefined ? {} : { userId }),
        verifiedAt: now,
        freshUntil: until,
        keepUntil: until,
      }
    }
    return {
      outcome: 'valid',
      info,
      verifiedAt: now,
      freshUntil: Math.min(limit, now + cacheTtlMs),
      keepUntil: Math.min(limit, now + Math.max(cacheTtlMs, staleOnOutageMs)),
    }
  }

  /** Turns a verification into a token, re-checking expiry by our clock. */
  #accept(raw: string, entry: CachedVerification): AccessToken {
    if (entry.outcome === 'rejected') {
      throw new TokenError('invalid_token', entry.description, { reason: entry.reason, realm: this.#options.realm })
    }
    const now = this.#options.clock()
    const { expiresAt, dataAccessExpiresAt } = entry.info
    if ((expiresAt !== null && expiresAt <= now) || (dataAccessExpiresAt !== null && dataAccessExpiresAt <= now)) {
      throw this.#invalid('expired')
    }
    return tokenFromInfo(raw, entry.info)
  }

  /** Seeds the cache with a token whose metadata Graph just gave us (an exchange). */
  async remember(raw: string, info: TokenInfo): Promise<void> {
    const key = tokenKey(raw)
    try {
      await this.#cache.set(key, this.#entryOf({ outcome: 'valid', info }, this.#options.clock()))
    } catch (error) {
      this.#cacheFailed(error, 'write')
    }
  }
}
