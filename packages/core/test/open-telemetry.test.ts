import { createHash } from 'node:crypto'
import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { appsecretProof, MemoryStore, TokenError, type UserToken } from '../src/index.js'
import { createFixture, type Fixture, rejection } from './fixture.js'
import { childrenOf, installOpenTelemetry, type OpenTelemetryHarness, sumOf } from './open-telemetry.js'

let otel: OpenTelemetryHarness
let f: Fixture
/** Every raw token a test used: none of them, their proofs or their full hashes may be exported. */
const used: string[] = []

beforeEach(async () => {
  otel = installOpenTelemetry()
  f = await createFixture({ store: new MemoryStore() })
  used.length = 0
})

afterEach(async () => {
  const exported = JSON.stringify({ spans: otel.spans().map(describeSpan), metrics: await otel.metrics() })
  await f.close()
  await otel.uninstall()
  const secret = f.app.secret
  const forbidden = [secret, `${f.app.id}|${secret}`, appsecretProof(`${f.app.id}|${secret}`, secret)]
  for (const raw of used) {
    forbidden.push(raw, appsecretProof(raw, secret), createHash('sha256').update(raw).digest('hex'))
  }
  for (const value of forbidden) expect(exported.includes(value), 'a token, secret or proof was exported').toBe(false)
})

function describeSpan(span: ReadableSpan) {
  return { name: span.name, attributes: span.attributes, events: span.events, status: span.status, links: span.links }
}

function userToken(scopes = ['public_profile']): string {
  const raw = f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id, scopes, lifetime: 'long' })
  used.push(raw)
  return raw
}

function named(name: string): ReadableSpan[] {
  return otel.spans().filter((span) => span.name === name)
}

describe('OpenTelemetry spans', () => {
  it('one verification inside a request span: verify → debug_token, then a cache hit', async () => {
    const raw = userToken()
    await otel.tracer.startActiveSpan('GET /me', async (request) => {
      await f.tokens.verify(raw)
      request.end()
    })
    const spans = otel.spans()
    const [request] = childrenOf(spans, undefined)
    expect(request?.name).toBe('GET /me')
    const [verify] = childrenOf(spans, request)
    expect(verify?.name).toBe('tokens.verify')
    expect(verify?.attributes).toMatchObject({
      'tokens.app.id': f.app.id,
      'tokens.verification.outcome': 'valid',
      'tokens.verification.cache': 'miss',
      'tokens.token.type': 'user',
    })
    expect(verify?.attributes['tokens.token.fingerprint']).toMatch(/^[0-9a-f]{12}$/)
    const [graph, ...more] = childrenOf(spans, verify)
    expect(more).toEqual([])
    expect(graph?.name).toBe('GET /{version}/debug_token')
    expect(graph?.kind).toBe(SpanKind.CLIENT)
    const port = Number(new URL(f.emu.url).port)
    expect(graph?.attributes).toEqual({
      'http.request.method': 'GET',
      'url.template': '/{version}/debug_token',
      'server.address': '127.0.0.1',
      'server.port': port,
      'url.scheme': 'http',
      'http.response.status_code': 200,
    })

    await f.tokens.verify(raw)
    const second = named('tokens.verify')[1]
    expect(second?.attributes['tokens.verification.cache']).toBe('hit')
    expect(named('GET /{version}/debug_token')).toHaveLength(1)
  })

  it('concurrent verifications of one token: one miss with the Graph call, the others coalesced', async () => {
    const raw = userToken()
    await Promise.all([f.tokens.verify(raw), f.tokens.verify(raw), f.tokens.verify(raw)])
    const verifies = named('tokens.verify')
    const results = verifies.map((span) => span.attributes['tokens.verification.cache']).sort()
    expect(results).toEqual(['coalesced', 'coalesced', 'miss'])
    const [graph, ...more] = named('GET /{version}/debug_token')
    expect(more).toEqual([])
    const parent = verifies.find((span) => span.spanContext().spanId === graph?.parentSpanContext?.spanId)
    expect(parent?.attributes['tokens.verification.cache']).toBe('miss')
  })

  it('a stale verification while Graph fails: retried Graph spans with error.type and resend counts', async () => {
    const raw = userToken()
    await f.tokens.verify(raw)
    f.emu.advanceTime(301) // past cacheTtlSeconds: Graph is asked again
    f.emu.setFaults({ status: 503, paths: ['/debug_token'] })
    const token = await f.tokens.verify(raw)
    expect(token.type).toBe('user')
    const stale = named('tokens.verify')[1]
    expect(stale?.attributes).toMatchObject({
      'tokens.verification.outcome': 'valid',
      'tokens.verification.cache': 'stale',
    })
    const failed = childrenOf(otel.spans(), stale)
    expect(failed).toHaveLength(3) // the first attempt and 2 retries
    expect(failed.map((span) => span.attributes['http.request.resend_count'])).toEqual([undefined, 1, 2])
    for (const span of failed) {
      expect(span.attributes).toMatchObject({ 'http.response.status_code': 503, 'error.type': '503' })
      expect(span.status.code).toBe(SpanStatusCode.ERROR)
    }
  })

  it("Graph's error code on the Graph spans; an outage ends the verification span as an error", async () => {
    const raw = userToken()
    f.emu.setFaults({ errorCode: 4, paths: ['/debug_token'] })
    const error = await rejection(() => f.tokens.verify(raw))
    expect(error).toBeInstanceOf(TokenError)
    const [verify] = named('tokens.verify')
    expect(verify?.attributes).toMatchObject({
      'tokens.verification.outcome': 'rejected',
      'tokens.verification.cache': 'miss',
      'tokens.error.code': 'graph_unavailable',
      'error.type': 'graph_unavailable',
    })
    expect(verify?.status.code).toBe(SpanStatusCode.ERROR)
    const calls = childrenOf(otel.spans(), verify)
    expect(calls.length).toBe(3)
    for (const span of calls) expect(span.attributes['tokens.graph.error.code']).toBe(4)
  })

  it('a refused token: reason on the span, not an error of the span', async () => {
    const raw = userToken()
    f.emu.invalidateToken(raw, 'password_changed')
    await rejection(() => f.tokens.verify(raw))
    const [verify] = named('tokens.verify')
    expect(verify?.attributes).toMatchObject({
      'tokens.verification.outcome': 'rejected',
      'tokens.error.code': 'invalid_token',
      'tokens.error.reason': 'password_changed',
    })
    expect(verify?.attributes['error.type']).toBeUndefined()
    expect(verify?.status.code).toBe(SpanStatusCode.UNSET)
  })

  it('local decisions are spans without a Graph call', async () => {
    await rejection(() => f.tokens.verify('1234|short-but-not-ours'))
    await f.tokens.verify(f.tokens.appToken().value)
    const [wrongApp, app] = named('tokens.verify')
    expect(wrongApp?.attributes).toMatchObject({
      'tokens.verification.cache': 'local',
      'tokens.error.reason': 'wrong_app',
    })
    expect(app?.attributes).toMatchObject({ 'tokens.verification.cache': 'local', 'tokens.token.type': 'app' })
    expect(otel.spans()).toHaveLength(2)
  })

  it('acquisition: Graph spans with templated paths and store spans, under the active span', async () => {
    const user = (await f.tokens.verify(userToken(['pages_show_list', 'pages_manage_posts']))) as UserToken
    await otel.tracer.startActiveSpan('job', async (job) => {
      const pages = await f.tokens.pageTokens(user, { refresh: true })
      for (const page of pages) used.push(page.value)
      await f.tokens.pageToken(user, f.pages[0]!.id, { refresh: true })
      await f.tokens.revokeUser(f.user.id)
      job.end()
    })
    const [job] = named('job')
    const children = childrenOf(otel.spans(), job).map((span) => span.name)
    expect(children).toEqual([
      'GET /{version}/me/accounts',
      'tokens.store save',
      'tokens.store save',
      'GET /{version}/{id}',
      'tokens.store save',
      'tokens.store deleteUser',
    ])
    const [save] = named('tokens.store save')
    expect(save?.attributes).toEqual({ 'tokens.store.operation': 'save', 'tokens.store.kind': 'MemoryStore' })
  })
})

describe('OpenTelemetry metrics', () => {
  it('counts verifications by outcome and cache result, Graph calls and their durations', async () => {
    const raw = userToken()
    await f.tokens.verify(raw)
    await f.tokens.verify(raw)
    await rejection(() => f.tokens.verify('1234|short-but-not-ours'))
    const all = await otel.metrics()
    expect(sumOf(all, 'tokens.verifications', { 'tokens.verification.cache': 'miss' })).toBe(1)
    expect(sumOf(all, 'tokens.verifications', { 'tokens.verification.cache': 'hit' })).toBe(1)
    expect(
      sumOf(all, 'tokens.verifications', {
        'tokens.verification.outcome': 'rejected',
        'tokens.error.reason': 'wrong_app',
      }),
    ).toBe(1)
    expect(
      sumOf(all, 'tokens.graph.calls', { 'url.template': '/{version}/debug_token', 'http.response.status_code': 200 }),
    ).toBe(1)
    const duration = all.find((m) => m.descriptor.name === 'http.client.request.duration')
    expect(duration?.descriptor.unit).toBe('s')
    expect(sumOf(all, 'http.client.request.duration', { 'http.request.method': 'GET' })).toBe(1)
  })

  it("reports the app's Graph usage and the queue length as gauges", async () => {
    f.emu.setUsage(f.app.id, { callCount: 42 })
    await f.tokens.verify(userToken())
    const all = await otel.metrics()
    const usage = all.find((m) => m.descriptor.name === 'tokens.graph.app_usage')
    const calls = usage?.dataPoints.find(
      (point) =>
        point.attributes['tokens.graph.usage.scope'] === 'app' &&
        point.attributes['tokens.graph.usage.metric'] === 'call_count',
    )
    expect(calls?.value).toBeGreaterThanOrEqual(42)
    const queue = all.find((m) => m.descriptor.name === 'tokens.verification.queue.length')
    expect(queue?.dataPoints.map((point) => point.value)).toEqual([0])
  })

  it('counts sheds: a full queue refuses new tokens at once', async () => {
    await f.close()
    f = await createFixture({ maxConcurrentVerifications: 1, maxQueuedVerifications: 0 })
    f.emu.setFaults({ latencyMs: 200, paths: ['/debug_token'] })
    const results = await Promise.allSettled([f.tokens.verify(userToken()), f.tokens.verify(userToken())])
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected'])
    const all = await otel.metrics()
    expect(sumOf(all, 'tokens.verification.sheds', { 'tokens.shed.reason': 'queue_full' })).toBe(1)
  })
})

describe('OpenTelemetry turned off', () => {
  it('openTelemetry: false records no span and no metric', async () => {
    await f.close()
    f = await createFixture({ openTelemetry: false })
    await f.tokens.verify(userToken())
    await rejection(() => f.tokens.verify('1234|short-but-not-ours'))
    expect(otel.spans()).toEqual([])
    const all = await otel.metrics()
    expect(all.filter((metric) => metric.dataPoints.length > 0)).toEqual([])
  })
})
