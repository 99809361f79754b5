import type { NodeInfo } from '@tokens/emulator'
import Fastify, { type FastifyInstance } from 'fastify'
import { beforeEach, describe, expect, it } from 'vitest'
import { tokens } from '../src/index.js'
import { expectRejection, type Harness, TRANSPORTS, useHarness } from './harness.js'

async function buildApp(h: Harness, timeoutMs = 1000): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(tokens, { tokens: h.core({ timeoutMs }) })
  app.get('/user', { preHandler: app.requireToken('user') }, async (request) => ({ userId: request.token.userId }))
  return app
}

describe.each(TRANSPORTS)('fastify over %s: cache and Graph outages', (transport) => {
  const harness = useHarness()
  let h: Harness
  let url: string
  let ada: NodeInfo

  beforeEach(async () => {
    h = harness()
    ada = h.user()
    url = await h.serve(await buildApp(h), transport)
  })

  it('a cache hit makes no Graph call', async () => {
    const raw = h.userToken(ada)
    h.emu.resetCounts()
    expect((await h.call(`${url}/user`, { token: raw })).status).toBe(200)
    expect(h.emu.requestCount('/debug_token')).toBe(1)
    for (let i = 0; i < 3; i++) expect((await h.call(`${url}/user`, { token: raw })).status).toBe(200)
    expect(h.emu.requestCount('/debug_token')).toBe(1)
  })

  it('concurrent requests with one new token share one Graph call', async () => {
    const raw = h.userToken(ada)
    h.emu.resetCounts()
    const answers = await Promise.all(Array.from({ length: 10 }, () => h.call(`${url}/user`, { token: raw })))
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200))
    expect(h.emu.requestCount('/debug_token')).toBe(1)
  })

  it('Graph down (5xx): 503 graph_unavailable with Retry-After, and a token verified before is still served', async () => {
    const known = h.userToken(ada)
    expect((await h.call(`${url}/user`, { token: known })).status).toBe(200)
    h.emu.advanceTime(400) // past the 300 s cache TTL, within the 600 s outage allowance
    h.emu.setFaults({ status: 500 })
    h.emu.resetCounts()
    const served = await h.call(`${url}/user`, { token: known })
    expect(served).toMatchObject({ status: 200, body: { userId: ada.id } })
    expect(h.emu.requestCount('/debug_token')).toBe(1) // it did ask Graph, which failed
    expect(h.logs).toContainEqual(expect.stringContaining('"type":"stale_accept"'))

    const unknown = await h.call(`${url}/user`, { token: h.userToken(ada) })
    expectRejection(unknown, { status: 503, error: 'graph_unavailable', retryAfter: true })
    expect(unknown.status).not.toBe(401)
  })

  it('Graph throttling the app: 503 with Retry-After, never a 401', async () => {
    h.emu.setFaults({ errorCode: 4, paths: ['/debug_token'] })
    const answer = await h.call(`${url}/user`, { token: h.userToken(ada) })
    expectRejection(answer, { status: 503, error: 'graph_unavailable', retryAfter: true })
  })

  it('Graph hanging: 503 after the core times out', async () => {
    const hanging = await h.serve(await buildApp(h, 100), transport)
    h.emu.setFaults({ hang: true, paths: ['/debug_token'] })
    const answer = await h.call(`${hanging}/user`, { token: h.userToken(ada) })
    expectRejection(answer, { status: 503, error: 'graph_unavailable', retryAfter: true })
  })

  it("a cached token is answered without a promise: the hook takes the core's synchronous path", async () => {
    const core = h.core()
    const original = core.tryAuthenticate.bind(core)
    const asynchronous: boolean[] = []
    core.tryAuthenticate = ((...args: Parameters<typeof original>) => {
      const result = original(...args)
      asynchronous.push(result instanceof Promise)
      return result
    }) as typeof core.tryAuthenticate
    const app = Fastify()
    await app.register(tokens, { tokens: core })
    app.get('/user', { preHandler: app.requireToken('user') }, async (request) => ({ userId: request.token.userId }))
    const cached = await h.serve(app, transport)
    const raw = h.userToken(ada)
    for (let i = 0; i < 3; i++) expect((await h.call(`${cached}/user`, { token: raw })).status).toBe(200)
    expect(asynchronous).toEqual([true, false, false]) // Graph once, then the in-process cache, synchronously
  })
})
