import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADAPTERS } from './adapters.js'
import { type Answer, World } from './world.js'

function body(answer: Answer): Record<string, unknown> {
  return JSON.parse(answer.text) as Record<string, unknown>
}

describe.each(ADAPTERS)('%s: a token issued to another app is refused', (adapter) => {
  let w: World
  let url: string

  beforeAll(async () => {
    w = await World.start()
    url = await w.serve(adapter, w.core({ tokenSources: { header: true, query: true } }))
  })
  afterAll(async () => {
    await w.close()
  })

  it('our own token gets in (the routes work)', async () => {
    const answer = await w.get(url, '/user', w.userToken())
    expect(answer.status).toBe(200)
    expect(body(answer)).toEqual({ type: 'user', appId: w.app.id, userId: w.user.id })
  })

  it("another app's user token: 401 wrong_app, the first time and once cached, on every route and source", async () => {
    const foreign = w.userToken(w.otherApp.id)
    for (let round = 0; round < 2; round++) {
      for (const path of ['/user', '/any']) {
        const answer = await w.get(url, path, foreign)
        expect(answer.status).toBe(401)
        expect(body(answer)).toMatchObject({ error: 'invalid_token', reason: 'wrong_app' })
        expect(answer.headers['www-authenticate']).toContain('error="invalid_token"')
      }
      const viaQuery = await w.send(url, { path: `/any?access_token=${encodeURIComponent(foreign)}` })
      expect(viaQuery.status).toBe(401)
    }
  })

  it("another app's Page and system-user tokens, app token and client token: 401 wrong_app", async () => {
    const page = w.emu.issuePageToken({
      appId: w.otherApp.id,
      userId: w.user.id,
      pageId: w.page.id,
      lifetime: 'long',
    })
    const system = w.emu.issueSystemUserToken({ appId: w.otherApp.id, userId: w.user.id, expiresIn: 0 })
    const foreign = [
      page,
      system,
      w.emu.appToken(w.otherApp.id),
      `${w.otherApp.id}|${w.otherApp.secret}`,
      `${w.otherApp.id}|${w.otherApp.clientToken}`,
    ]
    for (const raw of foreign) {
      const answer = await w.get(url, '/any', raw)
      expect(answer.status).toBe(401)
      expect(body(answer)).toMatchObject({ error: 'invalid_token', reason: 'wrong_app' })
    }
  })

  it("our app id with another app's secret is not an app token of ours", async () => {
    const answer = await w.get(url, '/any', `${w.app.id}|${w.otherApp.secret}`)
    expect(answer.status).toBe(401)
    expect(body(answer)).toMatchObject({ error: 'invalid_token' })
  })
})
