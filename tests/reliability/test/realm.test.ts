import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADAPTERS } from './adapters.js'
import { World } from './world.js'

/**
 * The `realm` option names the protection space of every challenge an app answers. The core never
 * writes it into its errors: each adapter applies its core's realm once, when it renders the answer.
 * A stranger who configures a realm must find it in every challenge, on every adapter.
 */
describe.each(ADAPTERS)('%s: every challenge carries the configured realm', (adapter) => {
  let w: World
  let url: string

  beforeAll(async () => {
    w = await World.start()
    url = await w.serve(adapter, w.core({ realm: 'shop "north"' }))
  })
  afterAll(async () => {
    await w.close()
  })

  const realm = 'Bearer realm="shop \\"north\\""'

  it('401 token_required', async () => {
    const answer = await w.get(url, '/user')
    expect(answer.status).toBe(401)
    expect(answer.headers['www-authenticate']).toBe(realm)
  })

  it('401 invalid_token, for a token Graph does not know', async () => {
    const answer = await w.get(url, '/user', `EAAB${'x'.repeat(40)}`)
    expect(answer.status).toBe(401)
    expect(answer.headers['www-authenticate']).toMatch(new RegExp(`^${escapeRegExp(realm)}, error="invalid_token"`))
  })

  it('400 invalid_request, for two Authorization headers', async () => {
    const token = w.userToken()
    const answer = await w.send(url, {
      path: '/user',
      rawHeaders: ['Authorization', `Bearer ${token}`, 'authorization', `Bearer ${token}`],
    })
    expect(answer.status).toBe(400)
    expect(answer.headers['www-authenticate']).toMatch(new RegExp(`^${escapeRegExp(realm)}, error="invalid_request"`))
  })

  it('403 insufficient_scope, for a Page token where a user token is required', async () => {
    const answer = await w.get(url, '/user', w.pageToken())
    expect(answer.status).toBe(403)
    expect(answer.headers['www-authenticate']).toMatch(
      new RegExp(`^${escapeRegExp(realm)}, error="insufficient_scope"`),
    )
  })
})

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
