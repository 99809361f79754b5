import { createRequire } from 'node:module'
import type * as OpenTelemetry from '@opentelemetry/api'
import type { TokenError } from './errors.js'
import type { TokenType } from './token.js'
import type { GraphUsage } from './usage.js'

type Api = typeof OpenTelemetry

/** The name and version under which the core's tracer and meter report. */
const SCOPE = '@tokens/core'

/** `@opentelemetry/api`, looked for once per process: `null` when it is not installed. */
let loaded: Api | null | undefined

/**
 * `@opentelemetry/api` when the application has it installed, else `undefined`. Resolved from this
 * package's own location with `require` (both builds), in a `try`: an absent optional peer loads
 * nothing and costs one failed resolution, the first time a core is built with telemetry on.
 */
function openTelemetryApi(): Api | undefined {
  if (loaded === undefined) {
    try {
      loaded = createRequire(import.meta.url)('@opentelemetry/api') as Api
    } catch {
      loaded = null
    }
  }
  return loaded ?? undefined
}

/** How a verification was answered, as the `tokens.verification.cache` attribute says it. */
export type CacheResult = 'hit' | 'miss' | 'coalesced' | 'stale' | 'local'

/** Why the core refused a new token itself (the `tokens.shed.reason` attribute). */
export type ShedReason = 'queue_full' | 'queue_deadline' | 'usage_limit' | 'rate_limit'

/** What the observable gauges read at each collection. */
export interface TelemetrySources {
  /** Verifications waiting for a slot now. */
  queued: () => number
  /** The latest rate-limit readings. */
  usage: () => GraphUsage
}

/**
 * The span of one Graph request as the Graph client sees it (no OpenTelemetry type, so that the
 * client's declarations do not need `@opentelemetry/api`).
 */
export interface GraphRequestTrace {
  /** Runs the request with this span active. */
  run<T>(work: () => Promise<T>): Promise<T>
  /** Ends the span of a request Graph answered; `graphErrorCode` when the answer is a Graph error. */
  answered(status: number, graphErrorCode: number | undefined, failed: boolean): void
  /** Ends the span of a request Graph did not answer. */
  unanswered(why: 'timeout' | 'unreachable' | 'cancelled'): void
}

/** What the Graph client needs of the instrumentation. */
export interface GraphTelemetry {
  /**
   * Starts the span of one request (one attempt); `template` is its `url.template`. `undefined` when
   * nothing would be recorded (no SDK registered).
   */
  graphRequest(method: string, url: URL, template: string, attempt: number): GraphRequestTrace | undefined
}

/** The store a core was given, as the `tokens.store.kind` attribute names it. */
export function storeKind(store: object): string {
  const name = (store as { constructor?: { name?: unknown } }).constructor?.name
  return typeof name === 'string' && name !== '' && name !== 'Object' ? name : 'custom'
}

/**
 * The core's OpenTelemetry instrumentation: spans for verifications, Graph calls and store
 * operations, and the core's metrics. Built only when `@opentelemetry/api` is installed and the
 * `openTelemetry` option is on; everywhere else the core holds `undefined` and skips it. Attributes
 * never hold a raw token, a secret or an `appsecret_proof`: a token is named by its fingerprint at most.
 */
export class Telemetry implements GraphTelemetry {
  readonly #api: Api
  readonly #tracer: OpenTelemetry.Tracer
  readonly #meter: OpenTelemetry.Meter
  readonly #app: OpenTelemetry.Attributes
  readonly #verifications: OpenTelemetry.Counter
  readonly #sheds: OpenTelemetry.Counter
  readonly #graphCalls: OpenTelemetry.Counter
  readonly #graphDuration: OpenTelemetry.Histogram
  readonly #gauges: OpenTelemetry.ObservableGauge[]
  /** Whether a meter provider was registered when the core was built: else every metric is a no-op. */
  readonly #metered: boolean
  /** The API's global tracer provider, a proxy to the SDK's once one is registered (now or later). */
  readonly #proxy: OpenTelemetry.ProxyTracerProvider | undefined
  /** What the proxy delegates to while no SDK is registered. */
  readonly #noTracing: OpenTelemetry.TracerProvider
  /** The attributes of finished verifications, one object per combination: the hot path builds none. */
  readonly #verificationAttributes = new Map<string, OpenTelemetry.Attributes>()
  #observe: OpenTelemetry.BatchObservableCallback | undefined

  /** The instrumentation, or `undefined` when `@opentelemetry/api` is not installed. */
  static load(appId: string): Telemetry | undefined {
    const api = openTelemetryApi()
    return api === undefined ? undefined : new Telemetry(api, appId)
  }

  private constructor(api: Api, appId: string) {
    this.#api = api
    this.#tracer = api.trace.getTracer(SCOPE)
    const meter = api.metrics.getMeter(SCOPE)
    this.#meter = meter
    this.#metered = meter !== api.createNoopMeter()
    const provider = api.trace.getTracerProvider()
    this.#proxy = provider instanceof api.ProxyTracerProvider ? provider : undefined
    this.#noTracing = new api.ProxyTracerProvider().getDelegate()
    this.#app = { 'tokens.app.id': appId }
    this.#verifications = meter.createCounter('tokens.verifications', {
      description: 'Token verifications, by outcome, cache result, token type, error code and reason',
      unit: '{verification}',
    })
    this.#sheds = meter.createCounter('tokens.verification.sheds', {
      description: 'New tokens the core refused itself (full queue, deadline in the queue, usage or per-minute limit)',
      unit: '{verification}',
    })
    this.#graphCalls = meter.createCounter('tokens.graph.calls', {
      description: 'Graph API requests (each attempt), by method, route template, status and Graph error code',
      unit: '{request}',
    })
    this.#graphDuration = meter.createHistogram('http.client.request.duration', {
      description: 'Duration of Graph API requests',
      unit: 's',
      advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10] },
    })
    this.#gauges = [
      meter.createObservableGauge('tokens.verification.queue.length', {
        description: 'Verifications waiting for a slot to call Graph',
        unit: '{verification}',
      }),
      meter.createObservableGauge('tokens.graph.app_usage', {
        description: "Percent of the app's hourly Graph budget used, from X-App-Usage (throttled at 100)",
        unit: '%',
      }),
    ]
  }

  /**
   * Starts the span of one verification, a child of the active span; `undefined` when neither the
   * span nor the metrics would be recorded (no SDK registered), so the hot path does no more.
   */
  verification(): VerificationSpan | undefined {
    if (!this.#metered && this.#proxy?.getDelegate() === this.#noTracing) return undefined // not even a no-op span
    const span = this.#tracer.startSpan('tokens.verify', { attributes: this.#app })
    const recording = span.isRecording()
    if (!recording && !this.#metered) return undefined
    return new VerificationSpan(this.#api, span, recording, this)
  }

  /**
   * The attributes of a finished verification (and counts it): outcome, cache result, and the token's
   * type or the error's code and reason. The combinations are few; each object is built once.
   */
  finishedVerification(
    outcome: 'valid' | 'rejected',
    cache: CacheResult,
    tokenType: TokenType | undefined,
    error: TokenError | undefined,
  ): OpenTelemetry.Attributes {
    const key = `${outcome} ${cache} ${tokenType} ${error?.code} ${error?.reason}`
    let attributes = this.#verificationAttributes.get(key)
    if (attributes === undefined) {
      attributes = { ...this.#app, 'tokens.verification.outcome': outcome, 'tokens.verification.cache': cache }
      if (tokenType !== undefined) attributes['tokens.token.type'] = tokenType
      if (error !== undefined) attributes['tokens.error.code'] = error.code
      if (error?.reason !== undefined) attributes['tokens.error.reason'] = error.reason
      if (error !== undefined && error.status >= 500) attributes['error.type'] = error.code
      this.#verificationAttributes.set(key, attributes)
    }
    if (this.#metered) this.#verifications.add(1, attributes)
    return attributes
  }

  /** Counts a new token the core refused itself. */
  shed(reason: ShedReason): void {
    this.#sheds.add(1, { ...this.#app, 'tokens.shed.reason': reason })
  }

  /**
   * Starts the span of one Graph request (one attempt), following the HTTP client semantic
   * conventions. `template` is the path with ids and tokens replaced; `url` is used for its host only.
   */
  graphRequest(method: string, url: URL, template: string, attempt: number): GraphRequestTrace | undefined {
    const attributes: OpenTelemetry.Attributes = {
      'http.request.method': method,
      'url.template': template,
      'server.address': url.hostname,
      'server.port': url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port),
      'url.scheme': url.protocol.slice(0, -1),
    }
    if (attempt > 0) attributes['http.request.resend_count'] = attempt
    const span = this.#tracer.startSpan(`${method} ${template}`, { kind: this.#api.SpanKind.CLIENT, attributes })
    if (!span.isRecording() && !this.#metered) return undefined
    return new GraphRequestSpan(this.#api, span, attributes, this.#graphCalls, this.#graphDuration)
  }

  /** Runs one operation of the token store in a span named after it. */
  async store<T>(operation: string, kind: string, call: () => Promise<T>): Promise<T> {
    const api = this.#api
    const span = this.#tracer.startSpan(`tokens.store ${operation}`, {
      attributes: { 'tokens.store.operation': operation, 'tokens.store.kind': kind },
    })
    if (!span.isRecording()) return call()
    try {
      const result = await api.context.with(api.trace.setSpan(api.context.active(), span), call)
      span.end()
      return result
    } catch (error) {
      span.setAttribute('error.type', error instanceof Error ? error.name : 'Error')
      span.setStatus({ code: api.SpanStatusCode.ERROR })
      span.end()
      throw error
    }
  }

  /** Reports the queue length and Graph usage at each collection, until {@link close}. */
  observe(sources: TelemetrySources): void {
    const [queue, usage] = this.#gauges as [OpenTelemetry.ObservableGauge, OpenTelemetry.ObservableGauge]
    this.#observe = (result) => {
      result.observe(queue, sources.queued(), this.#app)
      const { app, page } = sources.usage()
      for (const [scope, reading] of [
        ['app', app],
        ['page', page],
      ] as const) {
        if (reading === undefined) continue
        const at = { ...this.#app, 'tokens.graph.usage.scope': scope }
        result.observe(usage, reading.callCount, { ...at, 'tokens.graph.usage.metric': 'call_count' })
        result.observe(usage, reading.totalTime, { ...at, 'tokens.graph.usage.metric': 'total_time' })
        result.observe(usage, reading.totalCputime, { ...at, 'tokens.graph.usage.metric': 'total_cputime' })
      }
    }
    this.#meter.addBatchObservableCallback(this.#observe, this.#gauges)
  }

  /** Stops observing this core (its `close()`). */
  close(): void {
    if (this.#observe !== undefined) this.#meter.removeBatchObservableCallback(this.#observe, this.#gauges)
    this.#observe = undefined
  }
}

/**
 * The span of one verification, from its first check to its answer. Graph calls and store operations
 * made for it run in its context, so they are its children.
 */
export class VerificationSpan {
  readonly #api: Api
  readonly #span: OpenTelemetry.Span
  readonly #recording: boolean
  readonly #telemetry: Telemetry
  /** Set when the verification waited for another request's Graph call, or served a stale entry. */
  cache: 'coalesced' | 'stale' | undefined

  constructor(api: Api, span: OpenTelemetry.Span, recording: boolean, telemetry: Telemetry) {
    this.#api = api
    this.#span = span
    this.#recording = recording
    this.#telemetry = telemetry
  }

  /** Runs `work` with this span active. */
  run<T>(work: () => Promise<T>): Promise<T> {
    const api = this.#api
    return api.context.with(api.trace.setSpan(api.context.active(), this.#span), work)
  }

  /** Ends the span of an accepted token. */
  valid(tokenType: TokenType, fingerprint: string, cached: boolean, local: boolean): void {
    this.#end(
      this.#telemetry.finishedVerification('valid', this.#cache(cached, local), tokenType, undefined),
      fingerprint,
    )
  }

  /** Ends the span of a refused token: an outage or a misconfiguration is an error of the span too. */
  rejected(error: TokenError, fingerprint: string, cached: boolean, local: boolean): void {
    const attributes = this.#telemetry.finishedVerification('rejected', this.#cache(cached, local), undefined, error)
    if (this.#recording && error.status >= 500) this.#span.setStatus({ code: this.#api.SpanStatusCode.ERROR })
    this.#end(attributes, fingerprint)
  }

  #cache(cached: boolean, local: boolean): CacheResult {
    return local ? 'local' : cached ? 'hit' : (this.cache ?? 'miss')
  }

  #end(attributes: OpenTelemetry.Attributes, fingerprint: string): void {
    if (!this.#recording) return
    this.#span.setAttributes(attributes)
    this.#span.setAttribute('tokens.token.fingerprint', fingerprint)
    this.#span.end()
  }
}

/** The span and the metrics of one Graph request. */
class GraphRequestSpan implements GraphRequestTrace {
  readonly #api: Api
  readonly #span: OpenTelemetry.Span
  readonly #attributes: OpenTelemetry.Attributes
  readonly #calls: OpenTelemetry.Counter
  readonly #duration: OpenTelemetry.Histogram
  readonly #started = performance.now()

  constructor(
    api: Api,
    span: OpenTelemetry.Span,
    attributes: OpenTelemetry.Attributes,
    calls: OpenTelemetry.Counter,
    duration: OpenTelemetry.Histogram,
  ) {
    this.#api = api
    this.#span = span
    this.#attributes = attributes
    this.#calls = calls
    this.#duration = duration
  }

  /** Runs the request with this span active (an HTTP instrumentation under it nests). */
  run<T>(work: () => Promise<T>): Promise<T> {
    const api = this.#api
    return api.context.with(api.trace.setSpan(api.context.active(), this.#span), work)
  }

  /** Ends the span of a request Graph answered; `graphErrorCode` when the answer is a Graph error. */
  answered(status: number, graphErrorCode: number | undefined, failed: boolean): void {
    const end: OpenTelemetry.Attributes = { 'http.response.status_code': status }
    if (graphErrorCode !== undefined) end['tokens.graph.error.code'] = graphErrorCode
    if (failed) end['error.type'] = status >= 400 ? String(status) : 'graph_error'
    this.#end(end, failed)
  }

  /** Ends the span of a request Graph did not answer: `timeout`, or `unreachable`, or `cancelled`. */
  unanswered(why: 'timeout' | 'unreachable' | 'cancelled'): void {
    this.#end({ 'error.type': why }, true)
  }

  #end(end: OpenTelemetry.Attributes, failed: boolean): void {
    const seconds = (performance.now() - this.#started) / 1000
    this.#span.setAttributes(end)
    if (failed) this.#span.setStatus({ code: this.#api.SpanStatusCode.ERROR })
    this.#span.end()
    const { 'http.request.resend_count': _, ...metric } = this.#attributes
    Object.assign(metric, end)
    this.#duration.record(seconds, metric)
    this.#calls.add(1, metric)
  }
}

/**
 * The `url.template` of a Graph path: the version as `{version}`, ids as `{id}`, anything that may
 * be a token as `{token}`; edge names stay. `shown` is the path with secrets already redacted.
 */
export function urlTemplate(shown: string, versioned: boolean): string {
  const route = shown.split('?', 1)[0] as string
  const segments = route
    .split('/')
    .slice(1)
    .map((segment) => {
      if (segment === '[redacted]') return '{token}'
      if (/^[a-z][a-z0-9_]{0,63}$/.test(segment)) return segment
      return segment === '' ? segment : '{id}'
    })
  return `${versioned ? '/{version}' : ''}/${segments.join('/')}`
}
