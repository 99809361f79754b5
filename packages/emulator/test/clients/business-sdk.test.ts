import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Emulator } from '../../src/index.js'
import { startEmulator } from '../../src/index.js'
import type { Json } from '../fixture.js'
import { type GraphInterceptor, startGraphInterceptor } from './graph-interceptor.js'
import { runClientScript } from './run-client.js'

let emu: Emulator
let proxy: GraphInterceptor
beforeEach(async () => {
  emu = await startEmulator({ now: 1_700_000_000, freezeClock: true })
  proxy = await startGraphInterceptor(emu.url)
})
afterEach(async () => {
  await proxy.close()
  await emu.close()
})

describe('facebook-nodejs-business-sdk 24.0.1 against the emulator', () => {
  it('runs its flows unmodified, through axios’s HTTPS_PROXY and a certificate its process trusts', async () => {
    // The SDK sends no appsecret_proof: the app does not require it.
    const app = emu.createApp({ name: 'Business App', requireProof: false })
    const ada = emu.createUser({ name: 'Ada Lovelace', email: 'ada@example.com', developerOf: [app.id] })
    const pages = [1, 2, 3].map((n) => emu.createPage({ name: `Page ${n}`, admins: [ada.id] }))
    const scopes = ['email', 'pages_show_list', 'pages_read_engagement', 'pages_manage_posts']
    const userToken = emu.issueUserToken({ appId: app.id, userId: ada.id, scopes, lifetime: 'long' })
    const expiredToken = emu.issueUserToken({ appId: app.id, userId: ada.id })
    emu.advanceTime(7201)
    const seen = await runClientScript(
      'business-sdk',
      { userToken, expiredToken, pageId: pages[0]?.id },
      { HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url, NO_PROXY: '', NODE_EXTRA_CA_CERTS: proxy.caFile },
    )
    expect(seen.crashed).toBeUndefined()
    expect(proxy.refused).toEqual([])
    expect(seen.version).toBe('v24.0')
    // getAppID(): debug_token with the developer's own user token and fields=app_id.
    expect(seen.appId).toEqual({ data: { app_id: app.id } })
    expect(seen.me).toMatchObject({ id: ada.id, name: 'Ada Lovelace', email: 'ada@example.com' })
    expect(seen.me?.picture?.data?.url).toBe('https://graph.facebook.com/__emulator/silhouette.png?width=50&height=50')
    expect(seen.firstPage).toEqual([pages[0]?.id, pages[1]?.id])
    expect(String(seen.next).startsWith('https://graph.facebook.com/v24.0/me/accounts?')).toBe(true)
    expect(seen.hasNext).toBe(true)
    expect(seen.secondPage).toEqual([pages[2]?.id])
    expect(seen.hasNextAfter).toBe(false)
    expect(seen.post).toEqual({ id: `${pages[0]?.id}_1` })
    expect(seen.feed).toEqual([{ message: 'Hello from the SDK', id: `${pages[0]?.id}_1` }])
    const batch = seen.batch as Json
    expect(batch[0]).toEqual({ status: 200, body: { id: ada.id, name: 'Ada Lovelace' } })
    expect(batch[1]?.body?.data).toEqual([{ id: pages[0]?.id }])
    expect(batch[2]).toMatchObject({ status: 400, body: { error: { code: 100 } } })
    expect(seen.permissions).toContainEqual({ permission: 'pages_manage_posts', status: 'granted' })
    expect(seen.removed).toEqual({ success: true })
    expect(seen.afterRemoval).toMatchObject({
      name: 'FacebookRequestError',
      status: 400,
      error: { code: 190, error_subcode: 458 },
    })
    expect(seen.expired).toMatchObject({ status: 400, error: { code: 190, error_subcode: 463 } })
    expect(emu.requestCount('/debug_token')).toBe(1)
  })
})
