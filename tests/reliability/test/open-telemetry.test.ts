import { once } from 'node:events'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { context, SpanKind, trace } from '@opentelemetry/api'
import { createTokens, MemoryStore, type Tokens, type TokensOptions, type UserToken } from '@tokens/core'
import { type AppInfo, type Emulator, type NodeInfo, startEmulator } from '@tokens/emulator'
import { requireToken, tokens } from '@tokens/express'
import express from 'express'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  childrenOf,
  installOpenTelemetry,
  type OpenTelemetryHarness,
  sumOf,
} from '../../../packages/core/test/open-telemetry.js'
import { START } from './world.js'

// OpenTelemetry through a real Express app on a real socket, against the emulator: the SDK's
// in-memory exporters receive what an application's exporter would (the leak check reads them too).

let otel: OpenTelemetryHarness
let emu: Emulator
let app: AppInfo
let user: NodeInfo
let core: Tokens
let server: Server
let base: string

/** An Express app whose every request is a server span, as an HTTP instrumentation makes it. */
async function startApp(options: Partial<TokensOptions> = {}): Promise<void> {
  core = createTokens({ ...emu.coreOptions(app), retries: { retries: 1, baseDelayMs: 1, maxDelayMs: 2 }, ...options })
  const web = express()
  const tracer = trace.getTracer('http-server')
  web.use((req, res, next) => {
    const span = tracer.startSpan(`${req.method} ${req.path}`, { kind: SpanKind.SERVER })
    res.on('finish', () => {
      span.setAttribute('http.response.status_code', res.statusCode)
      span.end()
    })
    context.with(trace.setSpan(context.active(), span), next)
  })
  web.use(tokens(core))
  web.get('/me', requireToken('user'), (req, res) => {
    res.json({ userId: (req.token as UserToken).userId })
  })
  web.get('/pages', requireToken('user'), async (req, res, next) => {
    try {
      const pages = await core.pageTokens(req.token as UserToken, { refresh: true })
      res.json({ pages: pages.map((page) => page.pageId) })
    } catch (error) {
      next(error)
    }
  })
  server = web.listen(0, '127.0.0.1')
  await once(server, 'listening')
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

function get(path: string, token: string): Promise<Response> {
  return fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } })
}

beforeEach(async () => {
  otel = installOpenTelemetry()
  emu = await startEmulator({ now: START, freezeClock: true })
  app = emu.createApp({ name: 'Traced' })
  user = emu.createUser({ name: 'Grace Hopper' })
  emu.createPage({ name: 'Compilers', category: 'Bakery', admins: [user.id] })
})

afterEach(async () => {
  server.close()
  await core.close()
  await emu.close()
  await otel.uninstall()
})

function userToken(scopes = ['public_profile']): string {
  return emu.issueUserToken({ appId: app.id, userId: user.id, scopes, lifetime: 'long' })
}

describe('OpenTelemetry through Express', () => {
  it('one request: the server span → tokens.verify → GET /{version}/debug_token; the next is a cache hit', async () => {
    await startApp()
    const raw = userToken()
    expect((await get('/me', raw)).status).toBe(200)
    const spans = otel.spans()
    const [request] = childrenOf(spans, undefined)
    expect(request).toMatchObject({ name: 'GET /me', kind: SpanKind.SERVER })
    const [verify, ...others] = childrenOf(spans, request)
    expect(others).toEqual([])
    expect(verify?.name).toBe('tokens.verify')
    expect(verify?.attributes).toMatchObject({
      'tokens.verification.outcome': 'valid',
      'tokens.verification.cache': 'miss',
      'tokens.token.type': 'user',
    })
    const [graph] = childrenOf(spans, verify)
    expect(graph).toMatchObject({ name: 'GET /{version}/debug_token', kind: SpanKind.CLIENT })
    expect(graph?.attributes).toMatchObject({ 'http.response.status_code': 200, 'server.address': '127.0.0.1' })
    expect(spans).toHaveLength(3)

    expect((await get('/me', raw)).status).toBe(200)
    const second = otel.spans().slice(3)
    expect(second.map((span) => span.name)).toEqual(['tokens.verify', 'GET /me'])
    expect(second[0]?.attributes['tokens.verification.cache']).toBe('hit')
    expect(second[0]?.parentSpanContext?.spanId).toBe(second[1]?.spanContext().spanId)
  })

  it('Graph down: the stale answer, the retried Graph spans and the 200 the client still gets', async () => {
    await startApp({ cacheTtlSeconds: 60 })
    const raw = userToken()
    expect((await get('/me', raw)).status).toBe(200)
    emu.advanceTime(61)
    emu.setFaults({ status: 500, paths: ['/debug_token'] })
    expect((await get('/me', raw)).status).toBe(200)
    const verify = otel.spans().filter((span) => span.name === 'tokens.verify')[1]
    expect(verify?.attributes['tokens.verification.cache']).toBe('stale')
    const calls = childrenOf(otel.spans(), verify)
    expect(calls.map((span) => [span.attributes['http.response.status_code'], span.attributes['error.type']])).toEqual([
      [500, '500'],
      [500, '500'],
    ])
    expect(calls[1]?.attributes['http.request.resend_count']).toBe(1)
  })

  it('a refused token: 401, and the span says why', async () => {
    await startApp()
    const raw = userToken()
    emu.invalidateToken(raw, 'password_changed')
    expect((await get('/me', raw)).status).toBe(401)
    const [verify] = otel.spans().filter((span) => span.name === 'tokens.verify')
    expect(verify?.attributes).toMatchObject({
      'tokens.error.code': 'invalid_token',
      'tokens.error.reason': 'password_changed',
    })
  })

  it('Page tokens in a handler: Graph and store spans under the request', async () => {
    await startApp({ store: new MemoryStore() })
    expect((await get('/pages', userToken(['pages_show_list']))).status).toBe(200)
    const spans = otel.spans()
    const [request] = childrenOf(spans, undefined)
    expect(childrenOf(spans, request).map((span) => span.name)).toEqual([
      'tokens.verify',
      'GET /{version}/me/accounts',
      'tokens.store save',
    ])
  })

  it('metrics after three requests: verifications by cache result, Graph calls and their duration', async () => {
    await startApp()
    const raw = userToken()
    for (let i = 0; i < 3; i++) expect((await get('/me', raw)).status).toBe(200)
    const all = await otel.metrics()
    expect(sumOf(all, 'tokens.verifications', { 'tokens.verification.cache': 'miss' })).toBe(1)
    expect(sumOf(all, 'tokens.verifications', { 'tokens.verification.cache': 'hit' })).toBe(2)
    expect(sumOf(all, 'tokens.graph.calls', { 'url.template': '/{version}/debug_token' })).toBe(1)
    expect(sumOf(all, 'http.client.request.duration', { 'http.response.status_code': 200 })).toBe(1)
  })

  it('openTelemetry: false: only the server span', async () => {
    await startApp({ openTelemetry: false })
    expect((await get('/me', userToken())).status).toBe(200)
    expect(otel.spans().map((span) => span.name)).toEqual(['GET /me'])
    const all = await otel.metrics()
    expect(all.filter((metric) => metric.descriptor.name.startsWith('tokens.'))).toEqual([])
  })
})
