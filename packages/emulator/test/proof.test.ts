import { createHmac } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createFixture, START } from './fixture.js'

let f: Awaited<ReturnType<typeof createFixture>>
beforeEach(async () => {
  f = await createFixture()
})
afterEach(() => f.emu.close())

const timed = (secret: string, token: string, time: number) =>
  createHmac('sha256', secret).update(`${token}|${time}`).digest('hex')

describe('appsecret_proof', () => {
  it('is required with user tokens when the app requires it', async () => {
    const token = f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id })
    const res = await f.call('GET', '/me', {}, { token, proof: false })
    expect(res.status).toBe(400)
    expect(res.json.error).toMatchObject({
      type: 'GraphMethodException',
      code: 100,
      message: 'API calls from the server require an appsecret_proof argument',
    })
  })

  it("refuses a wrong proof, including one made with another app's secret", async () => {
    const token = f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id })
    const other = f.emu.createApp()
    for (const proof of ['00ff', f.proof(token, other.secret)]) {
      const res = await f.get('/me', { access_token: token, appsecret_proof: proof })
      expect(res.json.error).toMatchObject({
        type: 'GraphMethodException',
        code: 100,
        message: 'Invalid appsecret_proof provided in the API argument',
      })
    }
  })

  it('accepts the time-stamped form within 5 minutes, and refuses it after', async () => {
    const token = f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id, lifetime: 'long' })
    const params = {
      access_token: token,
      appsecret_proof: timed(f.app.secret, token, START),
      appsecret_time: String(START),
    }
    expect((await f.get('/me', params)).status).toBe(200)
    f.emu.advanceTime(301)
    const late = await f.get('/me', params)
    expect(late.json.error?.message).toBe('Invalid appsecret_proof provided in the API argument')
    const fresh = await f.get('/me', {
      access_token: token,
      appsecret_proof: timed(f.app.secret, token, START + 301),
      appsecret_time: String(START + 301),
    })
    expect(fresh.status).toBe(200)
  })

  it('is optional when the app does not require it, but checked when present', async () => {
    const app = f.emu.createApp({ requireProof: false })
    const token = f.emu.issueUserToken({ appId: app.id, userId: f.user.id })
    expect((await f.get('/me', { access_token: token })).status).toBe(200)
    expect((await f.get('/me', { access_token: token, appsecret_proof: 'bad' })).status).toBe(400)
  })

  it('on /debug_token is computed over the app token', async () => {
    const appToken = f.emu.appToken(f.app.id)
    const input = f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id })
    const good = await f.get('/debug_token', { input_token: input }, appToken)
    expect(good.json.data?.is_valid).toBe(true)
    const bad = await f.get('/debug_token', {
      input_token: input,
      access_token: appToken,
      appsecret_proof: f.proof(input),
    })
    expect(bad.json.error?.message).toBe('Invalid appsecret_proof provided in the API argument')
  })
})
