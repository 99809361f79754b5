import { createRequire } from 'node:module'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Emulator } from '../../src/index.js'
import { GRAPH_VERSIONS, startEmulator } from '../../src/index.js'
import { type GraphInterceptor, startGraphInterceptor } from './graph-interceptor.js'
import { runClientScript } from './run-client.js'
import { consent } from './support.js'

const CALLBACK = 'http://localhost:3000/auth/facebook/callback'

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

/**
 * fb 2.0.0 depends on babel-runtime 6, whose core-js 2 has a postinstall script (a funding message) that
 * pnpm refuses to leave undecided: until the workspace's `allowBuilds` says `core-js: false`, fb cannot be
 * a dev dependency here, and this test runs only where fb resolves (e.g. `NODE_PATH` to an `npm i fb@2.0.0`).
 */
const fbInstalled = (() => {
  try {
    createRequire(import.meta.url).resolve('fb')
    return true
  } catch {
    return false
  }
})()

describe.skipIf(!fbInstalled)('fb 2.0.0 against the emulator (runs where fb is installed)', () => {
  it('logs in, exchanges, reads, pages, posts as a Page, batches and revokes through its proxy option', async () => {
    const app = emu.createApp({ name: 'fb App', redirectUris: [CALLBACK] })
    const ada = emu.createUser({ name: 'Ada Lovelace', email: 'ada@example.com' })
    const pages = [1, 2, 3].map((n) => emu.createPage({ name: `Page ${n}`, admins: [ada.id] }))
    const expiredToken = emu.issueUserToken({ appId: app.id, userId: ada.id })
    emu.advanceTime(7201)
    // What fb's getLoginUrl() sends the browser to, opened on the emulator (asserted below).
    const query = new URLSearchParams({
      response_type: 'code',
      scope: 'email,pages_show_list,pages_manage_posts',
      redirect_uri: CALLBACK,
      client_id: app.id,
    })
    const code = (await consent(`${emu.url}/v2.3/dialog/oauth?${query}`, ada.id)).searchParams.get('code')
    const seen = await runClientScript(
      'fb',
      {
        proxy: proxy.url,
        appId: app.id,
        appSecret: app.secret,
        redirectUri: CALLBACK,
        code,
        pageId: pages[0]?.id,
        expiredToken,
      },
      { NODE_EXTRA_CA_CERTS: proxy.caFile },
    )
    expect(seen.crashed).toBeUndefined()
    expect(proxy.refused).toEqual([])
    const login = new URL(String(seen.loginUrl))
    expect(`${login.origin}${login.pathname}`).toBe('https://www.facebook.com/v2.3/dialog/oauth')
    expect(login.searchParams.get('client_id')).toBe(app.id)
    expect(seen.short).toEqual({ token_type: 'bearer', expires_in: 7200 })
    expect(seen.long).toEqual({ token_type: 'bearer', expires_in: 5183944 })
    expect(seen.me).toMatchObject({ id: ada.id, name: 'Ada Lovelace', email: 'ada@example.com' })
    expect(seen.me?.picture?.data).toMatchObject({ width: 200, height: 200, is_silhouette: true })
    expect(seen.firstPage).toEqual([pages[0]?.id, pages[1]?.id])
    expect(String(seen.next).startsWith(`https://graph.facebook.com/${GRAPH_VERSIONS[0]}/me/accounts?`)).toBe(true)
    expect(seen.secondPage).toEqual([pages[2]?.id])
    expect(seen.secondHasNext).toBe(false)
    expect(seen.post).toEqual({ id: `${pages[0]?.id}_1` })
    const batch = seen.batch
    expect(batch?.[0]?.code).toBe(200)
    expect(JSON.parse(String(batch?.[0]?.body))).toEqual({ id: ada.id, name: 'Ada Lovelace' })
    expect(batch?.[1]).toBeNull()
    expect(JSON.parse(String(batch?.[2]?.body)).data?.[0]?.message).toBe('Hello from fb')
    expect(seen.permissions?.data).toContainEqual({ permission: 'email', status: 'granted' })
    expect(seen.revokeEmail).toEqual({ success: true })
    expect(seen.meAfterRevoke).toEqual({ id: ada.id })
    expect(seen.expired).toMatchObject({ rejected: true, error: { code: 190, error_subcode: 463 } })
    expect(seen.expiredCallback).toMatchObject({ error: { code: 190, error_subcode: 463 } })
    expect(seen.removeApp).toEqual({ success: true })
    expect(seen.afterRemoval).toMatchObject({ rejected: true, error: { code: 190, error_subcode: 458 } })
  })
})
