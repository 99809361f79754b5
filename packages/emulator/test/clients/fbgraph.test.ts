import * as graph from 'fbgraph'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Emulator } from '../../src/index.js'
import { startEmulator } from '../../src/index.js'
import type { Json } from '../fixture.js'
import { consent } from './support.js'

const CALLBACK = 'http://localhost:3000/callback'

let emu: Emulator
let app: { id: string; secret: string }
let ada: { id: string }
let pages: Array<{ id: string }>
beforeEach(async () => {
  emu = await startEmulator({ now: 1_700_000_000, freezeClock: true })
  app = emu.createApp({ name: 'fbgraph App', redirectUris: [CALLBACK] })
  ada = emu.createUser({ name: 'Ada Lovelace', email: 'ada@example.com' })
  pages = [1, 2, 3].map((n) => emu.createPage({ name: `Page ${n}`, admins: [ada.id], fanCount: n }))
  // fbgraph's documented settings: its Graph URL, its version (its default 2.9 is retired), the app secret.
  graph.setGraphUrl(emu.url)
  graph.setVersion('2.9')
  graph.setAppSecret(app.secret)
  graph.setAccessToken(null)
})
afterEach(() => emu.close())

/** An fbgraph call as a promise: its error, or its answer. */
function call(run: (done: (error: Json | null, res: Json) => void) => void): Promise<Json> {
  return new Promise((resolve, reject) => run((error, res) => (error ? reject(error) : resolve(res))))
}

describe('fbgraph 1.4.4 against the emulator', () => {
  it('logs in: login URL, code exchange (authorize) and long-lived exchange (extendAccessToken)', async () => {
    graph.setVersion('25.0')
    const dialog = graph.getOauthUrl({ client_id: app.id, redirect_uri: CALLBACK, scope: 'email,pages_show_list' })
    expect(dialog.startsWith('https://www.facebook.com/v25.0/dialog/oauth?')).toBe(true)
    // The dialog URL is Facebook's: a test opens the same query on the emulator.
    const back = await consent(`${emu.url}/v25.0/dialog/oauth?${dialog.split('?')[1]}`, ada.id)
    const code = back.searchParams.get('code') ?? ''
    const short = await call((done) =>
      graph.authorize({ client_id: app.id, redirect_uri: CALLBACK, client_secret: app.secret, code }, done),
    )
    expect(short).toMatchObject({ token_type: 'bearer', expires_in: 7200 })
    expect(graph.getAccessToken()).toBe(short.access_token)
    const long = await call((done) => graph.extendAccessToken({ client_id: app.id, client_secret: app.secret }, done))
    expect(long.expires_in).toBe(5183944)
    expect(graph.getAccessToken()).toBe(long.access_token)
    const me = await call((done) => graph.get('/me', { fields: 'id,name,email' }, done))
    expect(me).toEqual({ id: ada.id, name: 'Ada Lovelace', email: 'ada@example.com' })
  })

  it('reads the profile picture as fbgraph documents it ({image, location}) and pages through Pages', async () => {
    graph.setAccessToken(
      emu.issueUserToken({ appId: app.id, userId: ada.id, scopes: ['pages_show_list'], lifetime: 'long' }),
    )
    const picture = await call((done) => graph.get('/me/picture', { type: 'large' }, done))
    expect(picture).toEqual({ image: true, location: `${emu.url}/__emulator/silhouette.png?width=200&height=200` })
    const first = await call((done) => graph.get('/me/accounts', { limit: 2, fields: 'id,name,fan_count' }, done))
    expect(first.data?.map((p: Json) => p.id)).toEqual([pages[0]?.id, pages[1]?.id])
    const next = await call((done) => graph.get(String(first.paging?.next), done))
    expect(next.data).toEqual([{ id: pages[2]?.id, name: 'Page 3', fan_count: 3 }])
    const expanded = await call((done) => graph.get('/me?fields=accounts.limit(1){name,access_token}', done))
    expect(expanded.accounts?.data?.[0]?.access_token).toMatch(/^EAA/)
  })

  it('posts as a Page with a Page token, and deletes a permission with del() (POST ?method=delete)', async () => {
    const user = emu.issueUserToken({
      appId: app.id,
      userId: ada.id,
      scopes: ['pages_show_list', 'pages_manage_posts', 'email'],
      lifetime: 'long',
    })
    graph.setAccessToken(user)
    const pageId = pages[0]?.id ?? ''
    const { access_token: pageToken } = await call((done) => graph.get(`/${pageId}`, { fields: 'access_token' }, done))
    graph.setAccessToken(String(pageToken))
    const post = await call((done) => graph.post(`/${pageId}/feed`, { message: 'Fresh bread' }, done))
    expect(post).toEqual({ id: `${pageId}_1` })
    const feed = await call((done) => graph.get(`/${pageId}/feed`, done))
    expect(feed.data?.[0]).toMatchObject({ message: 'Fresh bread' })
    graph.setAccessToken(user)
    expect(await call((done) => graph.del('/me/permissions/email', done))).toEqual({ success: true })
    const perms = await call((done) => graph.get('/me/permissions', done))
    expect(perms.data).toContainEqual({ permission: 'email', status: 'declined' })
    expect(await call((done) => graph.del('/me/permissions', done))).toEqual({ success: true })
    await expect(call((done) => graph.get('/me', done))).rejects.toMatchObject({ code: 190, error_subcode: 458 })
  })

  it('sends a batch', async () => {
    graph.setAccessToken(
      emu.issueUserToken({ appId: app.id, userId: ada.id, scopes: ['pages_show_list'], lifetime: 'long' }),
    )
    const answers = await call((done) =>
      graph.batch(
        [
          { method: 'GET', relative_url: 'me?fields=id,name' },
          { method: 'GET', relative_url: 'me/accounts?limit=1', name: 'first-page' },
          { method: 'GET', relative_url: '{result=first-page:$.data.0.id}?fields=name' },
        ],
        done,
      ),
    )
    expect(answers).toHaveLength(3)
    expect(JSON.parse(String(answers[0]?.body))).toEqual({ id: ada.id, name: 'Ada Lovelace' })
    expect(answers[1]).toBeNull()
    expect(JSON.parse(String(answers[2]?.body))).toEqual({ name: 'Page 1', id: pages[0]?.id })
  })

  it('gets Graph errors of expired and revoked tokens', async () => {
    const short = emu.issueUserToken({ appId: app.id, userId: ada.id })
    graph.setAccessToken(short)
    emu.advanceTime(7201)
    await expect(call((done) => graph.get('/me', done))).rejects.toMatchObject({ code: 190, error_subcode: 463 })
    const long = emu.issueUserToken({ appId: app.id, userId: ada.id, lifetime: 'long' })
    emu.invalidateToken(long, 'password_changed')
    graph.setAccessToken(long)
    await expect(call((done) => graph.get('/me', done))).rejects.toMatchObject({ code: 190, error_subcode: 460 })
  })
})
