import { Deadline, isDeadline } from './deadline.js'
import { TokenError } from './errors.js'
import type { TokensEvent } from './events.js'
import { GraphApiError, type GraphErrorBody } from './graph-api-error.js'
import { redactPath, scrub, secretsOf } from './graph-redaction.js'
import { appsecretProof } from './proof.js'
import { type GraphTelemetry, urlTemplate } from './telemetry.js'
import type { AccessToken } from './token.js'
import { appUsagePeak, emptyUsage, type GraphUsage, readUsage, secondsToRegainAccess } from './usage.js'

/**
 * A value Graph accepts as a parameter; objects and arrays are sent as JSON.
 *
 * @example
 * ```ts
 * import type { GraphParam } from '@tokens/core'
 * const page = await tokens.verify(raw, { type: 'page' })
 * const params: Record<string, GraphParam> = {
 *   message: 'Doors open at 9',
 *   published: false, // sent as 'false'
 *   scheduled_publish_time: Math.floor(Date.now() / 1000) + 3600,
 *   link: undefined, // left out
 * }
 * await tokens.graph.post(`/${page.pageId}/feed`, { token: page, params })
 * ```
 */
export type GraphParam = string | number | boolean | null | undefined | readonly unknown[] | Record<string, unknown>

/**
 * Options of one Graph call.
 *
 * @example
 * ```ts
 * import type { GraphRequestOptions } from '@tokens/core'
 * const user = await tokens.verify(raw, { type: 'user' })
 * const options: GraphRequestOptions = { token: user, params: { fields: 'id,name' }, signal: AbortSignal.timeout(2e3) }
 * const me = await tokens.graph.get<{ id: string; name: string }>('/me', options)
 * ```
 */
export interface GraphRequestOptions {
  /** The access token the call is made with; `appsecret_proof` is attached for it. */
  token?: string | AccessToken
  /** Query parameters (GET, DELETE) or form fields (POST). */
  params?: Record<string, GraphParam>
  /**
   * Cancels the call, retries and back-off included. A signal aborted with a `TimeoutError` reason
   * (`AbortSignal.timeout()`) ends it as a timeout: `graph_unavailable`.
   */
  signal?: AbortSignal
}

/**
 * Retry policy for transient and throttle errors.
 *
 * @example
 * ```ts
 * import { createTokens, type RetryOptions } from '@tokens/core'
 * const retries: RetryOptions = { retries: 4, baseDelayMs: 500, maxDelayMs: 5000 } // a batch job can wait longer
 * const tokens = createTokens({ appId, appSecret, retries, timeoutMs: 30_000 })
 * ```
 */
export interface RetryOptions {
  /** Retries after the first attempt. @default 2 */
  retries?: number
  /** First back-off delay in ms, doubled per retry, with full jitter. @default 200 */
  baseDelayMs?: number
  /** Cap of one back-off delay in ms. @default 2000 */
  maxDelayMs?: number
}

/** What the client needs from the core's configuration. */
export interface GraphClientConfig {
  appSecret: string
  graphUrl: string
  graphVersion: string
  fetch: typeof fetch
  timeoutMs: number
  retry: Required<RetryOptions>
  clock: () => number
  emit: (event: TokensEvent) => void
  /** Spans and metrics of each request, when OpenTelemetry is on. */
  telemetry?: GraphTelemetry | undefined
}

const MAX_PAGES = 1000
const CREDENTIAL_PARAMS = ['access_token', 'appsecret_proof', 'appsecret_time']

/** A page of a Graph edge. */
interface GraphPage<T> {
  data?: T[]
  paging?: { next?: string; cursors?: { after?: string } }
}

/** Waits `ms`, or less when `signal` aborts first. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
  })
}

/**
 * A small Graph API client: versioned URLs, `appsecret_proof` on every call that carries a token,
 * a timeout, typed errors, retries with capped exponential back-off and jitter for transient and
 * throttle errors only, and the rate-limit headers read into `usage`.
 *
 * @example
 * ```ts
 * const user = await tokens.verify(raw, { type: 'user' })
 * const me = await tokens.graph.get<{ id: string; name: string }>('/me', { token: user, params: { fields: 'id,name' } })
 * for await (const page of tokens.graph.paginate<{ id: string }>('/me/accounts', { token: user })) console.log(page.id)
 * ```
 */
export class GraphClient {
  #usage: GraphUsage = emptyUsage()
  /** Whether the latest answered call (or attempt to reach Graph) failed on Graph's side. */
  #failing = false
  readonly #config: GraphClientConfig

  constructor(config: GraphClientConfig) {
    this.#config = config
  }

  /** The latest `X-App-Usage`, `X-Page-Usage` and `X-Business-Use-Case-Usage` readings. */
  get usage(): GraphUsage {
    return this.#usage
  }

  /** `GET` a Graph path such as `/me` or `/123/accounts`. */
  get<T = unknown>(path: string, options: GraphRequestOptions = {}): Promise<T> {
    return this.request<T>('GET', path, options)
  }

  /** `POST` form fields to a Graph path. Retried only when Graph answered with a transient error. */
  post<T = unknown>(path: string, options: GraphRequestOptions = {}): Promise<T> {
    return this.request<T>('POST', path, options)
  }

  /** `DELETE` a Graph path. */
  delete<T = unknown>(path: string, options: GraphRequestOptions = {}): Promise<T> {
    return this.request<T>('DELETE', path, options)
  }

  /** Every item of an edge, following `paging.next` to the end (empty pages included). */
  async *paginate<T = unknown>(path: string, options: GraphRequestOptions = {}): AsyncGenerator<T> {
    let next: { path: string; params: Record<string, GraphParam> } | undefined = { path, params: options.params ?? {} }
    const seen = new Set<string>()
    for (let pages = 0; next !== undefined && pages < MAX_PAGES; pages++) {
      const page: GraphPage<T> = await this.get<GraphPage<T>>(next.path, { ...options, params: next.params })
      for (const item of page.data ?? []) yield item
      const link = page.paging?.next
      if (typeof link !== 'string' || seen.has(link)) return
      seen.add(link)
      next = this.#followable(link)
    }
  }

  /**
   * Whether Graph itself is failing: its latest answer was a 5xx, a transient error or a throttle,
   * or it could not be reached or timed out. The next good answer clears it.
   */
  get failing(): boolean {
    return this.#failing
  }

  /** Whether the app's own Graph budget (`X-App-Usage`) is nearly spent (at or above `percent`). */
  nearLimit(percent: number): boolean {
    return appUsagePeak(this.#usage) >= percent
  }

  /** Seconds a client should wait before trying again after a throttle. */
  retryAfterSeconds(): number {
    return secondsToRegainAccess(this.#usage, 60)
  }

  /** Turns a `paging.next` URL back into a path and parameters, without its credentials. */
  #followable(link: string): { path: string; params: Record<string, GraphParam> } | undefined {
    let url: URL
    try {
      url = new URL(link)
    } catch {
      return undefined
    }
    const params: Record<string, GraphParam> = {}
    for (const [key, value] of url.searchParams) {
      if (!CREDENTIAL_PARAMS.includes(key)) params[key] = value
    }
    return { path: url.pathname.replace(/^\/v\d+\.\d+(?=\/)/, ''), params }
  }

  #url(path: string): URL {
    if (!path.startsWith('/') || path.startsWith('//'))
      throw new TypeError(`Graph path must start with one '/': ${path}`)
    const version = this.#config.graphVersion ? `/${this.#config.graphVersion}` : ''
    return new URL(`${this.#config.graphUrl}${version}${path}`)
  }

  /**
   * One Graph call with retries. `timeoutMs` bounds the whole call, every attempt and back-off
   * included; a caller's `signal` can end it sooner.
   */
  async request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, options: GraphRequestOptions = {}): Promise<T> {
    const { retry } = this.#config
    // A timer cleared as soon as the call ends: `AbortSignal.timeout` would keep one alive per call
    // for the whole timeout, which a burst of new tokens turns into memory.
    const deadline = new Deadline(this.#config.timeoutMs)
    const signal = options.signal ? AbortSignal.any([options.signal, deadline.signal]) : deadline.signal
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          return await this.#attempt<T>(method, path, options, signal, attempt)
        } catch (error) {
          const answered = error instanceof GraphApiError
          const retryable = answered ? error.retryable : method !== 'POST'
          if (!retryable || attempt >= retry.retries || signal.aborted) throw error
          const cap = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** attempt)
          await sleep(Math.random() * cap, signal)
          if (signal.aborted) throw error
        }
      }
    } finally {
      deadline.clear()
    }
  }

  async #attempt<T>(
    method: string,
    path: string,
    options: GraphRequestOptions,
    signal: AbortSignal,
    attempt: number,
  ): Promise<T> {
    const { appSecret, clock, emit } = this.#config
    const url = this.#url(path)
    const fields = new URLSearchParams()
    for (const [key, value] of Object.entries(options.params ?? {})) {
      if (value === undefined) continue
      fields.set(key, typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value))
    }
    const raw = typeof options.token === 'string' ? options.token : options.token?.value
    if (raw !== undefined) {
      fields.set('access_token', raw)
      fields.set('appsecret_proof', appsecretProof(raw, appSecret))
    }
    // Whatever carries a token (the token option, input_token, code, a token put in the path) is
    // never shown again: not in events, not in errors, whatever Graph echoes back.
    const secrets = secretsOf(raw, appSecret, [...fields, ...url.searchParams], path.split('?', 1)[0] as string)
    const shown = redactPath(path, secrets)
    const init: RequestInit = { method, headers: { accept: 'application/json' } }
    if (method === 'POST') init.body = fields
    else url.search = fields.toString()
    init.signal = signal

    const started = clock()
    const trace = this.#config.telemetry?.graphRequest(
      method,
      url,
      urlTemplate(shown, this.#config.graphVersion !== ''),
      attempt,
    )
    let response: Response
    let text: string
    try {
      const send = async (): Promise<[Response, string]> => {
        const answer = await this.#config.fetch(url, init)
        return [answer, await answer.text()]
      }
      ;[response, text] = await (trace === undefined ? send() : trace.run(send))
    } catch (error) {
      const timedOut = isDeadline(signal)
      trace?.unanswered(timedOut ? 'timeout' : signal.aborted ? 'cancelled' : 'unreachable')
      // A caller that cancelled says nothing about Graph; no answer in time, or none at all, does.
      if (timedOut || !signal.aborted) this.#failing = true
      const message = timedOut
        ? `Graph API timed out after ${this.#config.timeoutMs} ms`
        : 'Graph API could not be reached'
      emit({
        type: 'graph_call',
        method,
        path: shown,
        status: 0,
        durationMs: clock() - started,
        attempt,
        error: message,
      })
      const detail = error instanceof Error ? scrub(error.message, secrets) : 'unknown'
      throw new TokenError('graph_unavailable', message, { cause: new Error(detail) })
    }
    this.#usage = readUsage(this.#usage, response.headers, clock())
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      body = undefined
    }
    const errorBody = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined
    const failed = !response.ok || body === undefined || (typeof errorBody === 'object' && errorBody !== null)
    const answered = { type: 'graph_call', method, path: shown, status: response.status, attempt } as const
    const durationMs = clock() - started
    if (!failed) {
      this.#failing = false
      trace?.answered(response.status, undefined, false)
      emit({ ...answered, durationMs, usage: this.#usage.app })
      return body as T
    }
    const details: GraphErrorBody =
      typeof errorBody === 'object' && errorBody !== null
        ? (errorBody as GraphErrorBody)
        : { message: `Graph API answered HTTP ${response.status} without a JSON error`, is_transient: true }
    const error = new GraphApiError(response.status, details, secrets)
    this.#failing = error.retryable
    trace?.answered(response.status, error.code, true)
    emit({ ...answered, durationMs, usage: this.#usage.app, errorCode: error.code })
    throw error
  }
}
