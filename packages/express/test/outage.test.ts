import type { NodeInfo } from '@tokens/emulator'
import type { Express } from 'express'
import { beforeEach, describe, expect, it } from 'vitest'
import { requireToken, tokens } from '../src/index.js'
import { expectRejection, FRAMEWORKS, type Harness, useHarness } from './harness.js'

function buildApp(create: () => Express, h: Harness, timeoutMs = 1000): Express {
  const app = create()
  app.use(tokens(h.core({ timeoutMs })))
  app.get(
    '/user',
    requireToken('user').handle((req, res) => {
      res.json({ userId: req.token.userId })
    }),
  )
  return app
}

describe.each(FRAMEWORKS)('%s: cache and Graph outages', (_name, create) => {
  const harness = useHarness()
  let h: Harness
  let url: string
  let ada: NodeInfo

  beforeEach(async () => {
    h = harness()
    ada = h.user()
    url = await h.listen(buildApp(create, h))
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
    expect(h.logs.join('\n')).toContain('"type":"stale_accept"')

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
    const hanging = await h.listen(buildApp(create, h, 100))
    h.emu.setFaults({ hang: true, paths: ['/debug_token'] })
    const answer = await h.call(`${hanging}/user`, { token: h.userToken(ada) })
    expectRejection(answer, { status: 503, error: 'graph_unavailable', retryAfter: true })
  })
})
