import type { CachedVerification, VerificationCache } from './cache.js'
import { CachePolicy } from './cache-policy.js'
import { Deadline } from './deadline.js'
import { interpretDebugToken, REASON_DESCRIPTIONS } from './debug-token.js'
import { type InvalidTokenReason, isTokenError, TokenError } from './errors.js'
import { messageOf, type TokensEvent } from './events.js'
import { checkTokenSyntax } from './extract.js'
import type { GraphClient } from './graph-client.js'
import { isJwt, LimitedLoginVerifier, type PrecheckedToken } from './limited-login.js'
import type { ResolvedOptions } from './options.js'
import { asOutage } from './outage.js'
import { constantTimeEqual } from './proof.js'
import type { Telemetry, VerificationSpan } from './telemetry.js'
import { type AccessToken, type TokenInfo, tokenFromInfo } from './token.js'
import { tokenKey } from './token-key.js'
import { QueueRefused, VerificationQueue } from './verification-queue.js'
import { VerificationRate } from './verification-rate.js'
import { VerifyEvents } from './verify-events.js'

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === 'function'
}

/** What a verification that could not finish at once carries to its asynchronous part. */
export class Pending {
  constructor(
    readonly key: string,
    readonly hit: CachedVerification | PromiseLike<CachedVerification | undefined> | undefined,
    readonly started: number,
    /** A Limited Login token, read and prechecked: verified against Meta's keys instead of Graph. */
    readonly jwt: PrecheckedToken | undefined,
    /** The verification's OpenTelemetry span, when telemetry is on. */
    readonly span: VerificationSpan | undefined,
  ) {}
}

/**
 * Refusals the core made itself (its per-minute limit, its usage guard, a full queue): never a
 * reason to serve a stale verification, or a flood could keep a revoked token alive.
 */
const ownRefusals = new WeakSet<TokenError>()

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
  readonly #queue: VerificationQueue
  readonly #rate: VerificationRate
  /** Appended to a token's SHA-256 to make its cache key: one app's verdicts never answer for another's. */
  readonly #keySuffix: string
  readonly #policy: CachePolicy
  readonly #events: VerifyEvents
  readonly #telemetry: Telemetry | undefined
  /** Limited Login ID tokens (JWTs): verified against Meta's keys, never sent to Graph. */
  readonly limitedLogin: LimitedLoginVerifier

  constructor(
    options: ResolvedOptions,
    graph: GraphClient,
    cache: VerificationCache,
    emit: (e: TokensEvent) => void,
    telemetry?: Telemetry,
  ) {
    this.#options = options
    this.#telemetry = telemetry
    this.#graph = graph
    this.#cache = cache
    this.#emit = emit
    this.#queue = new VerificationQueue(options.maxConcurrentVerifications, options.maxQueuedVerifications)
    this.#keySuffix = `:${options.appId}`
    this.#rate = new VerificationRate(options.maxVerificationsPerMinute)
    this.#policy = new CachePolicy(options)
    this.#events = new VerifyEvents(emit, options.clock, options.onEvent !== undefined)
    this.limitedLogin = new LimitedLoginVerifier(options, emit)
  }

  /** Verifications waiting for a slot to call Graph now. */
  get queued(): number {
    return this.#queue.queued
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
    const { clock, maxTokenLength } = this.#options
    if (typeof raw !== 'string' || raw === '') throw new TokenError('token_required', 'An access token is required', {})
    if (!syntaxChecked) checkTokenSyntax(raw, maxTokenLength)
    const started = clock()
    const span = this.#telemetry?.verification()
    const jwt = isJwt(raw)
    let local: AccessToken | undefined
    try {
      if (!jwt) local = this.#local(raw)
    } catch (error) {
      if (this.#events.active || span) this.#failed(error, tokenKey(raw), false, started, true, span)
      throw error
    }
    if (local !== undefined) {
      if (this.#events.active || span) this.#events.valid(local, tokenKey(raw), false, started, true, span)
      return local
    }
    const key = tokenKey(raw) + this.#keySuffix
    let hit: CachedVerification | PromiseLike<CachedVerification | undefined> | undefined
    try {
      hit = this.#cache.get(key)
    } catch (error) {
      this.#cacheFailed(error, 'read')
    }
    if (hit !== undefined && !isPromiseLike(hit) && this.#policy.isFresh(hit, clock())) {
      try {
        return this.#events.valid(this.#accept(raw, hit), key, true, started, false, span)
      } catch (error) {
        throw this.#failed(error, key, true, started, false, span)
      }
    }
    if (!jwt) return new Pending(key, hit, started, undefined, span)
    try {
      // A token that can only fail is refused here, before any fetch or thread-pool work.
      return new Pending(key, hit, started, this.limitedLogin.precheck(raw), span)
    } catch (error) {
      throw this.#failed(error, key, false, started, true, span)
    }
  }

  /** The asynchronous part of a verification that `attempt` could not finish. */
  async finish(raw: string, { key, hit, started, jwt, span }: Pending): Promise<AccessToken> {
    let cached = true
    try {
      let entry = isPromiseLike(hit)
        ? await Promise.resolve(hit).catch((e: unknown) => this.#cacheFailed(e, 'read'))
        : hit
      if (entry === undefined || !this.#policy.isFresh(entry, this.#options.clock())) {
        cached = false
        const stale = entry
        const load = () => (jwt === undefined ? this.#load(raw, key, stale) : this.#loadJwt(raw, key, jwt))
        if (span === undefined) entry = await load()
        else {
          if (this.#inflight.has(key)) span.cache = 'coalesced'
          entry = await span.run(load) // Graph and store spans are its children
          if (stale !== undefined && entry === stale) span.cache = 'stale'
        }
      }
      return this.#events.valid(this.#accept(raw, entry), key, cached, started, false, span)
    } catch (error) {
      throw this.#failed(error, key, cached, started, false, span)
    }
  }

  /** Any failure as the `TokenError` it answers, reported as an event (and on the span). */
  #failed(
    error: unknown,
    key: string,
    cached: boolean,
    started: number,
    local = false,
    span?: VerificationSpan,
  ): TokenError {
    const e = isTokenError(error)
      ? error
      : new TokenError('graph_unavailable', 'Token verification failed', { cause: error })
    return this.#events.rejected(e, key, cached, started, local, span)
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

  /** Caches `entry` and returns it; a cache that fails to write is reported, never a failed verification. */
  async #write(key: string, entry: CachedVerification): Promise<CachedVerification> {
    try {
      await this.#cache.set(key, entry)
    } catch (error) {
      this.#cacheFailed(error, 'write')
    }
    return entry
  }

  /** A failing cache is a miss, never a failed request: reported as an event. */
  #cacheFailed(error: unknown, action: 'read' | 'write'): undefined {
    this.#emit({ type: 'error', where: 'cache', message: messageOf(error, `cache ${action} failed`) })
  }

  #invalid(reason: InvalidTokenReason): TokenError {
    return new TokenError('invalid_token', REASON_DESCRIPTIONS[reason], { reason })
  }

  /**
   * One Graph call per token at a time, however many requests ask; stale entries cover Graph's
   * outages. The request waits at most `timeoutMs` in all: for a slot, for Graph, for another
   * process's call.
   */
  async #load(raw: string, key: string, stale: CachedVerification | undefined): Promise<CachedVerification> {
    const { timeoutMs } = this.#options
    const deadline = new Deadline(timeoutMs)
    try {
      let pending = this.#inflight.get(key)
      if (pending === undefined) {
        pending = this.#start(raw, key, stale !== undefined, deadline.signal)
        this.#inflight.set(key, pending)
      }
      return await deadline.race(
        pending,
        () =>
          new TokenError(
            'graph_unavailable',
            `Graph API timed out: the token was not verified within ${timeoutMs} ms`,
            {},
          ),
      )
    } catch (error) {
      const now = this.#options.clock()
      if (this.#graphFailed(error) && this.#policy.mayServeStale(stale, now)) {
        this.#emit({
          type: 'stale_accept',
          fingerprint: key.slice(0, 12),
          tokenType: stale.info.type,
          ageMs: now - stale.verifiedAt,
        })
        return stale
      }
      throw error
    } finally {
      deadline.clear()
    }
  }

  /**
   * A Limited Login token's verification against Meta's keys, coalesced per token, within
   * `timeoutMs`; the verification is cached until the token's `exp`.
   */
  async #loadJwt(raw: string, key: string, checked: PrecheckedToken): Promise<CachedVerification> {
    const signingKey = this.limitedLogin.jwks.fresh(checked.kid)
    if (signingKey !== undefined) {
      // Meta's key is at hand: nothing to wait for, so no deadline and no coalescing (the check is CPU, on the thread pool).
      return this.#write(key, await this.limitedLogin.verifyWith(raw, checked, signingKey))
    }
    const { timeoutMs } = this.#options
    const deadline = new Deadline(timeoutMs)
    try {
      let pending = this.#inflight.get(key)
      if (pending === undefined) {
        pending = this.limitedLogin
          .verify(raw, checked, deadline.signal)
          .then((entry) => this.#write(key, entry))
          .finally(() => this.#inflight.delete(key))
        this.#inflight.set(key, pending)
      }
      return await deadline.race(
        pending,
        () =>
          new TokenError(
            'graph_unavailable',
            `Meta's keys timed out: the token was not verified within ${timeoutMs} ms`,
            {},
          ),
      )
    } finally {
      deadline.clear()
    }
  }

  /**
   * The shared verification of one token: in a slot of the queue, coalesced across processes when
   * the cache can. The raw token is let go of when the first requester's deadline passes, even while
   * another process's call is still awaited.
   */
  #start(raw: string, key: string, known: boolean, signal: AbortSignal): Promise<CachedVerification> {
    let token: string | undefined = raw
    signal.addEventListener('abort', () => {
      token = undefined
    })
    const { timeoutMs } = this.#options
    const load = () =>
      this.#queue
        .run(signal, () => this.#debugToken(token as string, key, known, signal))
        .catch((error: unknown) => {
          if (!(error instanceof QueueRefused)) throw error
          this.#telemetry?.shed(error.why === 'full' ? 'queue_full' : 'queue_deadline')
          const refusal =
            error.why === 'full'
              ? new TokenError('graph_unavailable', 'Too many token verifications are waiting', {
                  retryAfterSeconds: 1,
                })
              : new TokenError(
                  'graph_unavailable',
                  `Graph API timed out: the token was not verified within ${timeoutMs} ms`,
                  {},
                )
          ownRefusals.add(refusal)
          throw refusal
        })
    return (this.#cache.coalesce ? this.#cache.coalesce(key, load) : load()).finally(() => this.#inflight.delete(key))
  }

  /**
   * Whether a failed verification failed because of Graph itself (5xx, no answer in time, Graph's own
   * throttling): only then may a stale one serve. A refusal the core made itself counts only while
   * Graph is failing too (the queue is full because Graph hangs), never on its own.
   */
  #graphFailed(error: unknown): boolean {
    if (!isTokenError(error) || error.code !== 'graph_unavailable') return false
    return !ownRefusals.has(error) || this.#graph.failing
  }

  /**
   * Asks Graph's `debug_token` about a token. A token with no verification at all is subject to the
   * usage guard and the per-minute limit; one the cache knows (`known`) is re-verified regardless, so
   * a flood of new tokens cannot keep a revoked one alive on its stale entry.
   */
  async #debugToken(raw: string, key: string, known: boolean, signal: AbortSignal): Promise<CachedVerification> {
    const { appId, appSecret, clock } = this.#options
    if (!known) this.#guardBudget(clock())
    let body: unknown
    try {
      body = await this.#graph.get('/debug_token', {
        token: `${appId}|${appSecret}`,
        params: { input_token: raw },
        signal,
      })
    } catch (error) {
      const outage = asOutage(error, this.#graph, 'Graph API could not verify the token', true)
      if (isTokenError(outage)) {
        if (outage.code === 'misconfigured')
          this.#emit({ type: 'error', where: 'credentials', message: outage.message })
        throw outage
      }
      // Any other Graph answer here (a malformed call, a policy block) is not the client's token:
      // never a 401 for the client.
      throw new TokenError('graph_unavailable', 'Graph API could not verify the token', { cause: error })
    }
    const verdict = interpretDebugToken(body)
    if (verdict === undefined) throw new TokenError('graph_unavailable', 'Graph API gave no answer about the token', {})
    const now = clock()
    return this.#write(key, this.#policy.entryOf(verdict, now))
  }

  /** Refuses a new token while the app's Graph budget or the per-minute limit is spent. */
  #guardBudget(now: number): void {
    const { usageLimitPercent } = this.#options
    const usage = this.#graph.usage
    let refusal: TokenError
    if (this.#graph.nearLimit(usageLimitPercent) && now - (usage.updatedAt ?? 0) < USAGE_PROBE_MS) {
      refusal = new TokenError('graph_unavailable', 'The app is near its Graph API rate limit', {
        retryAfterSeconds: this.#graph.retryAfterSeconds(),
      })
      this.#telemetry?.shed('usage_limit')
    } else if (!this.#rate.take(now)) {
      refusal = new TokenError('graph_unavailable', 'Too many new tokens to verify this minute', {
        retryAfterSeconds: this.#rate.retryAfterSeconds(now),
      })
      this.#telemetry?.shed('rate_limit')
    } else return
    ownRefusals.add(refusal)
    throw refusal
  }

  /** Turns a verification into a token, re-checking its app and its expiry by our clock. */
  #accept(raw: string, entry: CachedVerification): AccessToken {
    if (entry.outcome === 'rejected') {
      throw new TokenError('invalid_token', entry.description, { reason: entry.reason })
    }
    // Whoever wrote the entry (another app sharing the cache, a forged write), a token of another
    // app is not ours: one comparison on every hit.
    const { appId } = entry.info
    if (appId !== this.#options.appId && !this.#options.acceptAppIds.has(appId)) throw this.#invalid('wrong_app')
    // A Limited Login token is accepted within the clock tolerance of its `exp`, as when it was verified.
    const skew = entry.info.type === 'limited_login' ? this.#options.limitedLogin.clockToleranceMs : 0
    const now = this.#options.clock() - skew
    const { expiresAt, dataAccessExpiresAt } = entry.info
    if ((expiresAt !== null && expiresAt <= now) || (dataAccessExpiresAt !== null && dataAccessExpiresAt <= now)) {
      throw this.#invalid('expired')
    }
    return tokenFromInfo(raw, entry.info)
  }

  /**
   * A stand-in for a token shaped like a Limited Login token, before it is verified: enough for a
   * requirement that does not name `limited_login` to refuse it (which it does whatever the token is).
   */
  limitedLoginShape(raw: string): AccessToken {
    return tokenFromInfo(raw, {
      type: 'limited_login',
      appId: this.#options.appId,
      scopes: [],
      granularScopes: [],
      issuedAt: null,
      expiresAt: null,
      dataAccessExpiresAt: null,
    })
  }

  /** Seeds the cache with a token whose metadata Graph just gave us (an exchange). */
  async remember(raw: string, info: TokenInfo): Promise<void> {
    await this.#write(
      tokenKey(raw) + this.#keySuffix,
      this.#policy.entryOf({ outcome: 'valid', info }, this.#options.clock()),
    )
  }
}
