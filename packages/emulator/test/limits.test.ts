import { afterEach, describe, expect, it } from 'vitest'
import { createFixture } from './fixture.js'

let f: Awaited<ReturnType<typeof createFixture>>
afterEach(() => f.emu.close())

const appCall = () => f.get('/v25.0/debug_token', { input_token: 'x', access_token: f.emu.appToken(f.app.id) })

describe('X-App-Usage and the hourly budget', () => {
  it('reports percentages, throttles with code 4 at 100% and resets after the hour', async () => {
    f = await createFixture({ callBudgetPerHour: 4 })
    const usages: number[] = []
    for (let i = 0; i < 4; i++) {
      const res = await appCall()
      expect(res.status).toBe(200)
      usages.push(JSON.parse(res.headers.get('x-app-usage') ?? '{}').call_count)
    }
    expect(usages).toEqual([25, 50, 75, 100])
    const throttled = await appCall()
    expect(throttled.status).toBe(400)
    expect(throttled.json.error).toMatchObject({
      message: '(#4) Application request limit reached',
      type: 'OAuthException',
      code: 4,
      is_transient: true,
    })
    expect(JSON.parse(throttled.headers.get('x-app-usage') ?? '{}')).toEqual({
      call_count: 100,
      total_time: 50,
      total_cputime: 50,
    })
    f.emu.advanceTime(3600)
    const reset = await appCall()
    expect(reset.status).toBe(200)
    expect(JSON.parse(reset.headers.get('x-app-usage') ?? '{}').call_count).toBe(25)
  })

  it('setUsage presets the percentages', async () => {
    f = await createFixture()
    f.emu.setUsage(f.app.id, { callCount: 95, totalTime: 40, totalCputime: 30 })
    const res = await appCall()
    expect(JSON.parse(res.headers.get('x-app-usage') ?? '{}')).toEqual({
      call_count: 95,
      total_time: 40,
      total_cputime: 30,
    })
    f.emu.setUsage(f.app.id, { callCount: 100 })
    expect((await appCall()).json.error?.code).toBe(4)
  })

  it("is on injected failures too, for the caller's app (token or client_id), and absent for an unknown caller", async () => {
    f = await createFixture()
    f.emu.setUsage(f.app.id, { callCount: 61, totalTime: 7, totalCputime: 5 })
    const usage = { call_count: 61, total_time: 7, total_cputime: 5 }
    for (const faults of [{ errorCode: 4 }, { status: 503 }, { errorCode: 2, status: 500 }]) {
      f.emu.setFaults(faults)
      const failed = await appCall()
      expect(failed.status).toBeGreaterThanOrEqual(400)
      expect(JSON.parse(failed.headers.get('x-app-usage') ?? '{}')).toEqual(usage)
      const exchange = await f.get('/oauth/access_token', {
        client_id: f.app.id,
        client_secret: f.app.secret,
        grant_type: 'client_credentials',
      })
      expect(JSON.parse(exchange.headers.get('x-app-usage') ?? '{}')).toEqual(usage)
      const stranger = await f.get('/v25.0/me', { access_token: 'EAAnobodyknowsthistoken' })
      expect(stranger.headers.get('x-app-usage')).toBeNull()
    }
    f.emu.setFaults(null)
  })
})

describe('faults', () => {
  it('adds latency', async () => {
    f = await createFixture()
    f.emu.setFaults({ latencyMs: 60 })
    const started = performance.now()
    expect((await appCall()).status).toBe(200)
    expect(performance.now() - started).toBeGreaterThanOrEqual(55)
  })

  it('answers 5xx with a transient Graph body, only on the chosen paths', async () => {
    f = await createFixture()
    f.emu.setFaults({ status: 503, paths: ['/debug_token'] })
    const res = await appCall()
    expect(res.status).toBe(503)
    expect(res.json.error).toMatchObject({ code: 2, is_transient: true, type: 'OAuthException' })
    const other = await f.get('/oauth/access_token', {
      client_id: f.app.id,
      client_secret: f.app.secret,
      grant_type: 'client_credentials',
    })
    expect(other.status).toBe(200)
    f.emu.setFaults(null)
    expect((await appCall()).status).toBe(200)
  })

  it('answers Graph error codes with their bodies', async () => {
    f = await createFixture()
    const expected = [
      [1, 500, true],
      [2, 500, true],
      [4, 400, true],
      [17, 400, true],
      [32, 400, true],
      [613, 400, true],
      [80001, 400, true],
      [190, 400, undefined],
    ] as const
    for (const [errorCode, status, transient] of expected) {
      f.emu.setFaults({ errorCode })
      const res = await appCall()
      expect(res.status).toBe(status)
      expect(res.json.error?.code).toBe(errorCode)
      expect(res.json.error?.is_transient).toBe(transient)
      expect(res.json.error?.fbtrace_id).toBeTruthy()
    }
  })

  it('affects a deterministic fraction of requests with rate', async () => {
    f = await createFixture()
    const run = async () => {
      f.emu.setFaults({ status: 500, rate: 0.5 })
      const statuses: number[] = []
      for (let i = 0; i < 20; i++) statuses.push((await appCall()).status)
      return statuses
    }
    const first = await run()
    const second = await run()
    expect(first).toEqual(second)
    const failed = first.filter((s) => s === 500).length
    expect(failed).toBeGreaterThan(3)
    expect(failed).toBeLessThan(17)
  })

  it('hangs until the client gives up', async () => {
    f = await createFixture()
    f.emu.setFaults({ hang: true })
    const request = fetch(`${f.emu.url}/debug_token`, { signal: AbortSignal.timeout(100) })
    await expect(request).rejects.toThrow(/timeout|aborted/i)
    expect(f.emu.requestCount('/debug_token')).toBe(1)
  })
})
