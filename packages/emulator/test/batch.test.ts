import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createFixture, type Json } from './fixture.js'

let f: Awaited<ReturnType<typeof createFixture>>
beforeEach(async () => {
  f = await createFixture({ requireProof: false })
})
afterEach(() => f.emu.close())

const userToken = (scopes: string[] = ['email', 'pages_show_list']) =>
  f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id, scopes, lifetime: 'long' })

async function batch(path: string, requests: unknown, extra: Record<string, string> = {}, json = false) {
  const body = json
    ? JSON.stringify({ ...extra, batch: requests })
    : new URLSearchParams({ ...extra, batch: JSON.stringify(requests) }).toString()
  const res = await fetch(`${f.emu.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': json ? 'application/json' : 'application/x-www-form-urlencoded' },
    body,
  })
  return { status: res.status, headers: res.headers, json: (await res.json()) as Json }
}

const bodyOf = (answer: Json) => JSON.parse(String(answer.body)) as Json

describe('POST / with batch', () => {
  it('answers [{code, headers, body}] in order, form-encoded or JSON, versioned or not', async () => {
    const token = userToken()
    const requests = [
      { method: 'GET', relative_url: 'me?fields=id,name' },
      { method: 'GET', relative_url: '/me/accounts?limit=1&fields=id' },
      { method: 'GET', relative_url: 'me/nothing' },
    ]
    for (const [path, json] of [
      ['/', false],
      ['/v25.0/', true],
      ['/v24.0', false],
    ] as const) {
      const res = await batch(path, requests, { access_token: token }, json)
      expect(res.status).toBe(200)
      expect(res.json).toHaveLength(3)
      expect(res.json[0]).toMatchObject({ code: 200 })
      expect(res.json[0]?.headers).toContainEqual({ name: 'Content-Type', value: 'application/json; charset=UTF-8' })
      expect(bodyOf(res.json[0] as Json)).toEqual({ id: f.user.id, name: 'Ada Lovelace' })
      expect(bodyOf(res.json[1] as Json).data).toEqual([{ id: f.pages[0]?.id }])
      expect(res.json[2]?.code).toBe(400)
      expect(bodyOf(res.json[2] as Json).error).toMatchObject({ code: 100, type: 'OAuthException' })
      expect(res.json[2]?.headers).toContainEqual({
        name: 'WWW-Authenticate',
        value: expect.stringMatching(/^OAuth "Facebook Platform" "invalid_request" /),
      })
    }
  })

  it('authorises each request by its own access_token or the batch token', async () => {
    const mine = userToken()
    const other = f.emu.createUser({ name: 'Grace Hopper' })
    const theirs = f.emu.issueUserToken({ appId: f.app.id, userId: other.id })
    const res = await batch(
      '/',
      [
        { method: 'GET', relative_url: 'me' },
        { method: 'GET', relative_url: `me?access_token=${theirs}` },
        { method: 'GET', relative_url: 'me', body: `access_token=${theirs}` },
        { method: 'GET', relative_url: 'me?access_token=garbage' },
      ],
      { access_token: mine },
    )
    expect(bodyOf(res.json[0] as Json).name).toBe('Ada Lovelace')
    expect(bodyOf(res.json[1] as Json).name).toBe('Grace Hopper')
    expect(bodyOf(res.json[2] as Json).name).toBe('Grace Hopper')
    expect(bodyOf(res.json[3] as Json).error).toMatchObject({ code: 190 })
    const none = await batch('/', [{ method: 'GET', relative_url: 'me' }])
    expect(bodyOf(none.json[0] as Json).error).toMatchObject({ code: 2500 })
  })

  it('resolves {result=NAME:$.path} references, depends_on, and omits referenced responses', async () => {
    const token = userToken()
    const res = await batch(
      '/',
      [
        { method: 'GET', relative_url: 'me/accounts?limit=2', name: 'pages' },
        { method: 'GET', relative_url: '?ids={result=pages:$.data.*.id}&fields=id,name' },
        { method: 'GET', relative_url: '{result=pages:$.data.0.id}?fields=fan_count' },
        { method: 'GET', relative_url: 'me?fields=id', name: 'me', omit_response_on_success: false },
        { method: 'GET', relative_url: 'me/permissions', depends_on: 'me' },
      ],
      { access_token: token },
    )
    expect(res.json[0]).toBeNull()
    const [a, b] = [f.pages[0]?.id ?? '', f.pages[1]?.id ?? '']
    expect(bodyOf(res.json[1] as Json)).toEqual({ [a]: { id: a, name: 'Page 1' }, [b]: { id: b, name: 'Page 2' } })
    expect(bodyOf(res.json[2] as Json)).toEqual({ fan_count: 0, id: a })
    expect(bodyOf(res.json[3] as Json)).toEqual({ id: f.user.id })
    expect(res.json[4]?.code).toBe(200)
  })

  it('answers an error for a request whose dependency failed or is unknown; omit_response_on_success hides successes', async () => {
    const token = userToken()
    const res = await batch(
      '/',
      [
        { method: 'GET', relative_url: 'me/nothing', name: 'broken' },
        { method: 'GET', relative_url: 'me', depends_on: 'broken' },
        { method: 'GET', relative_url: '{result=nobody:$.id}' },
        { method: 'GET', relative_url: 'me', omit_response_on_success: true },
      ],
      { access_token: token },
    )
    expect(res.json[0]?.code).toBe(400)
    expect(bodyOf(res.json[1] as Json).error?.message).toMatch(/broken/)
    expect(bodyOf(res.json[2] as Json).error?.message).toMatch(/nobody/)
    expect(res.json[3]).toBeNull()
  })

  it('posts as a Page and deletes a permission inside a batch, with bodies', async () => {
    const token = userToken(['pages_show_list', 'pages_manage_posts', 'email'])
    const page = f.pages[0]?.id ?? ''
    const pageToken = f.emu.issuePageToken({ appId: f.app.id, userId: f.user.id, pageId: page, lifetime: 'long' })
    const res = await batch(
      '/',
      [
        { method: 'POST', relative_url: `${page}/feed`, body: `message=Hello&access_token=${pageToken}` },
        { method: 'DELETE', relative_url: 'me/permissions/email' },
        { method: 'POST', relative_url: 'me/permissions/pages_manage_posts', body: { method: 'delete' } },
      ],
      { access_token: token },
      true,
    )
    expect(res.json.map((a: Json) => a.code)).toEqual([200, 200, 200])
    expect(bodyOf(res.json[0] as Json)).toEqual({ id: `${page}_1` })
    const perms = await f.get('/me/permissions', {}, token)
    expect(perms.json.data).toContainEqual({ permission: 'email', status: 'declined' })
    expect(perms.json.data).toContainEqual({ permission: 'pages_manage_posts', status: 'declined' })
  })

  it('refuses malformed batches and more than 50 requests as a whole; include_headers=false drops headers', async () => {
    const token = userToken()
    for (const bad of ['{', '{}', '[]', '[1]', '[{"method":"GET"}]']) {
      const res = await fetch(`${f.emu.url}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ batch: bad, access_token: token }).toString(),
      })
      expect(res.status).toBe(400)
      const answer = (await res.json()) as Json
      expect(answer.error?.code).toBe(100)
    }
    const many = Array.from({ length: 51 }, () => ({ method: 'GET', relative_url: 'me' }))
    const tooMany = await batch('/', many, { access_token: token })
    expect(tooMany.json.error?.message).toBe('(#100) Too many requests in batch message. Maximum batch size is 50')
    const fifty = await batch('/', many.slice(1), { access_token: token, include_headers: 'false' })
    expect(fifty.json).toHaveLength(50)
    expect(fifty.json[49]).toEqual({ code: 200, body: JSON.stringify({ name: 'Ada Lovelace', id: f.user.id }) })
    const nested = await batch('/', [{ method: 'POST', relative_url: '/', body: 'batch=[]' }], { access_token: token })
    expect(bodyOf(nested.json[0] as Json).error?.code).toBe(100)
  })

  it('counts each request of a batch and the batch itself', async () => {
    f.emu.resetCounts()
    await batch(
      '/',
      [
        { method: 'GET', relative_url: 'me' },
        { method: 'GET', relative_url: 'v25.0/me' },
      ],
      { access_token: userToken() },
    )
    expect(f.emu.requestCount('/')).toBe(1)
    expect(f.emu.requestCount('/me')).toBe(2)
  })
})
