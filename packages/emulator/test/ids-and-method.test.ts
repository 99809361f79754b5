import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createFixture } from './fixture.js'

let f: Awaited<ReturnType<typeof createFixture>>
beforeEach(async () => {
  f = await createFixture()
})
afterEach(() => f.emu.close())

const userToken = (scopes: string[] = ['email']) =>
  f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id, scopes, lifetime: 'long' })

describe('GET /?ids=', () => {
  it('answers an object keyed by id, each with the requested fields', async () => {
    const [a, b] = [f.pages[0]?.id ?? '', f.pages[1]?.id ?? '']
    const res = await f.get('/v25.0/', { ids: `${a},${b},me`, fields: 'id,name' }, userToken())
    expect(res.status).toBe(200)
    expect(res.json).toEqual({
      [a]: { id: a, name: 'Page 1' },
      [b]: { id: b, name: 'Page 2' },
      me: { id: f.user.id, name: 'Ada Lovelace' },
    })
    const defaults = await f.get('/', { ids: ` ${a} ,,${a}` }, userToken())
    expect(defaults.json).toEqual({ [a]: { name: 'Page 1', id: a } })
  })

  it('refuses unknown ids, aliases, more than 50 ids, and fields a node type lacks', async () => {
    const token = userToken()
    const page = f.pages[0]?.id ?? ''
    expect((await f.get('/', { ids: `${page},999999` }, token)).json.error).toMatchObject({
      code: 100,
      error_subcode: 33,
    })
    expect((await f.get('/', { ids: `${page},zuck` }, token)).json.error).toMatchObject({
      code: 803,
      message: '(#803) Some of the aliases you requested do not exist: zuck',
    })
    const many = Array.from({ length: 51 }, (_, i) => String(1000 + i)).join(',')
    expect((await f.get('/', { ids: many }, token)).json.error?.message).toBe(
      '(#100) Too many IDs. Maximum: 50. Provided: 51.',
    )
    const wrongType = await f.get('/', { ids: `${page},me`, fields: 'email' }, token)
    expect(wrongType.json.error?.message).toBe('(#100) Tried accessing nonexisting field (email) on node type (Page)')
    expect((await f.get('/', { ids: '' }, token)).json.error?.code).toBe(100)
  })
})

describe('method= override', () => {
  it('turns POST ?method=delete into a DELETE (query or body)', async () => {
    const token = userToken(['email', 'user_birthday'])
    const viaQuery = await f.call('POST', '/me/permissions/email', { method: 'delete' }, { token })
    expect(viaQuery.json).toEqual({ success: true })
    const viaBody = await f.call('POST', '/me/permissions/user_birthday', {}, { token, body: { method: 'DELETE' } })
    expect(viaBody.json).toEqual({ success: true })
    const perms = await f.get('/me/permissions', {}, token)
    expect(perms.json.data).toContainEqual({ permission: 'email', status: 'declined' })
    expect(perms.json.data).toContainEqual({ permission: 'user_birthday', status: 'declined' })
  })

  it('turns GET ?method=post into a POST, and refuses other methods', async () => {
    const page = f.pages[0]?.id ?? ''
    const pageToken = f.emu.issuePageToken({ appId: f.app.id, userId: f.user.id, pageId: page, lifetime: 'long' })
    const posted = await f.get(`/${page}/feed`, { method: 'post', message: 'via GET' }, pageToken)
    expect(posted.json).toEqual({ id: `${page}_1` })
    const bad = await f.get('/me', { method: 'patch' }, userToken())
    expect(bad.json.error).toMatchObject({ code: 100, type: 'GraphMethodException' })
  })
})
