import { createHmac } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type Emulator, startEmulator } from '../src/index.js'

let emu: Emulator
beforeEach(async () => {
  emu = await startEmulator({ now: 1_700_000_000, freezeClock: true, callBudgetPerHour: 10 })
})
afterEach(async () => {
  await emu.close()
})

describe('X-Business-Use-Case-Usage', () => {
  it("reports a Page's own budget on Page token calls, throttles with 80001, and resets after the hour", async () => {
    const app = emu.createApp({ requireProof: false })
    const user = emu.createUser()
    const page = emu.createPage({ name: 'Busy Page', admins: [user.id] })
    const token = emu.issuePageToken({ appId: app.id, userId: user.id, pageId: page.id, lifetime: 'long' })
    const proof = createHmac('sha256', app.secret).update(token).digest('hex')
    const call = () => fetch(`${emu.url}/v25.0/${page.id}?access_token=${token}&appsecret_proof=${proof}`)

    const first = await call()
    const usage = JSON.parse(first.headers.get('x-business-use-case-usage') ?? '{}')
    expect(usage).toEqual({
      [page.id]: [
        { type: 'pages', call_count: 10, total_time: 5, total_cputime: 5, estimated_time_to_regain_access: 0 },
      ],
    })
    emu.setPageUsage(page.id, { callCount: 100 })
    const throttled = await call()
    const body = (await throttled.json()) as { error: { code: number } }
    expect(body.error.code).toBe(80001)
    const eta = JSON.parse(throttled.headers.get('x-business-use-case-usage') ?? '{}')[page.id][0]
    expect(eta.estimated_time_to_regain_access).toBe(60)
    emu.advanceTime(3600)
    expect((await call()).status).toBe(200)
    // user token calls carry no business use case header
    const userToken = emu.issueUserToken({ appId: app.id, userId: user.id })
    const me = await fetch(`${emu.url}/me?access_token=${userToken}`)
    expect(me.headers.get('x-business-use-case-usage')).toBeNull()
    expect(() => emu.setPageUsage('999', { callCount: 1 })).toThrow(TypeError)
  })
})
