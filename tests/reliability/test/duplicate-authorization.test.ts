import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADAPTERS } from './adapters.js'
import { World } from './world.js'

/**
 * Two `Authorization` headers: Node keeps the first, a proxy or a WAF in front may check the last.
 * Whichever the server picked, the two would disagree on who is calling; the only safe answer is to
 * refuse the request (400 invalid_request), whatever the headers' case, order or contents.
 */
describe.each(ADAPTERS)('%s: a request with two Authorization headers is refused', (adapter) => {
  let w: World
  let url: string
  let ours: string
  let another: string

  beforeAll(async () => {
    w = await World.start()
    url = await w.serve(adapter, w.core())
    ours = w.userToken()
    another = w.pageToken()
  })
  afterAll(async () => {
    await w.close()
  })

  it('one Authorization header with our token gets in (the route works)', async () => {
    expect((await w.send(url, { path: '/any', rawHeaders: ['Authorization', `Bearer ${ours}`] })).status).toBe(200)
  })

  const garbage = `EAAB${'g'.repeat(40)}`
  const cases: Array<{ name: string; headers: () => string[] }> = [
    { name: 'the same valid token twice, same case', headers: () => ['authorization', ours, 'authorization', ours] },
    {
      name: 'the same valid token, Authorization then authorization',
      headers: () => ['Authorization', ours, 'authorization', ours],
    },
    { name: 'two valid tokens of two identities', headers: () => ['Authorization', ours, 'authorization', another] },
    { name: 'two valid tokens, the other order', headers: () => ['authorization', another, 'Authorization', ours] },
    { name: 'a valid token, then garbage', headers: () => ['Authorization', ours, 'AUTHORIZATION', garbage] },
    { name: 'garbage, then a valid token', headers: () => ['authorization', garbage, 'Authorization', ours] },
    {
      name: 'a valid token, then another scheme',
      headers: () => ['Authorization', ours, 'authorization', 'Basic dXNlcjpwYXNz'],
    },
  ]

  it.each(cases)('$name: 400 invalid_request with the RFC 6750 challenge, on GET and POST', async ({ headers }) => {
    const [n1, v1, n2, v2] = headers() as [string, string, string, string]
    const raw = [n1, v1.startsWith('Basic') ? v1 : `Bearer ${v1}`, n2, v2.startsWith('Basic') ? v2 : `Bearer ${v2}`]
    for (const method of ['GET', 'POST']) {
      for (const path of ['/any', '/user']) {
        const answer = await w.send(url, { method, path, rawHeaders: raw })
        expect(answer.status, `${method} ${path}`).toBe(400)
        expect(JSON.parse(answer.text)).toMatchObject({ error: 'invalid_request' })
        expect(answer.headers['www-authenticate']).toMatch(/^Bearer realm="api", error="invalid_request"/)
        expect(answer.text).not.toContain(w.user.id)
      }
    }
  })
})
