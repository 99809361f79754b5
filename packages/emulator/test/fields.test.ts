import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createFixture, type Json } from './fixture.js'

let f: Awaited<ReturnType<typeof createFixture>>
beforeEach(async () => {
  f = await createFixture()
})
afterEach(() => f.emu.close())

const token = (scopes: string[]) =>
  f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id, scopes, lifetime: 'long' })

const ALL_USER_FIELDS =
  'id,name,first_name,last_name,middle_name,short_name,name_format,email,picture,link,birthday,gender,locale,age_range,location,hometown'

describe('User fields', () => {
  beforeEach(() => {
    f.emu.updateUser(f.user.id, {
      middleName: 'King',
      pictureUrl: 'https://cdn.example.com/ada.jpg',
      link: 'https://www.facebook.com/ada',
      birthday: '12/10/1815',
      gender: 'female',
      locale: 'en_GB',
      ageRange: { min: 21 },
      location: { id: '106078429431815', name: 'London, United Kingdom' },
      hometown: { name: 'London' },
    })
  })

  it('answers every common field to a token with every permission', async () => {
    const scopes = [
      'email',
      'user_link',
      'user_birthday',
      'user_gender',
      'user_age_range',
      'user_location',
      'user_hometown',
    ]
    const res = await f.get('/v25.0/me', { fields: ALL_USER_FIELDS }, token(scopes))
    expect(res.status).toBe(200)
    expect(res.json).toEqual({
      id: f.user.id,
      name: 'Ada Lovelace',
      first_name: 'Ada',
      last_name: 'Lovelace',
      middle_name: 'King',
      short_name: 'Ada',
      name_format: '{first} {last}',
      email: 'ada@example.com',
      picture: { data: { height: 50, width: 50, is_silhouette: false, url: 'https://cdn.example.com/ada.jpg' } },
      link: 'https://www.facebook.com/ada',
      birthday: '12/10/1815',
      gender: 'female',
      locale: 'en_GB',
      age_range: { min: 21 },
      location: { id: '106078429431815', name: 'London, United Kingdom' },
      hometown: { name: 'London' },
    })
  })

  it('leaves out, without an error, the fields whose permission the token lacks', async () => {
    const res = await f.get('/me', { fields: ALL_USER_FIELDS }, token([]))
    expect(res.status).toBe(200)
    expect(Object.keys(res.json).sort()).toEqual(
      ['first_name', 'id', 'last_name', 'locale', 'middle_name', 'name', 'name_format', 'picture', 'short_name'].sort(),
    )
    const onlyLink = await f.get('/me', { fields: 'id,link,email' }, token(['user_link']))
    expect(onlyLink.json).toEqual({ id: f.user.id, link: 'https://www.facebook.com/ada' })
  })

  it('answers an app token what the user granted the app', async () => {
    token(['email'])
    const res = await f.get(`/${f.user.id}`, { fields: 'id,email,birthday', access_token: f.emu.appToken(f.app.id) })
    expect(res.json).toEqual({ id: f.user.id, email: 'ada@example.com' })
  })

  it('refuses only fields that do not exist, naming the node type', async () => {
    const res = await f.get('/me', { fields: 'id,username' }, token([]))
    expect(res.status).toBe(400)
    expect(res.json.error).toMatchObject({
      code: 100,
      type: 'OAuthException',
      message: '(#100) Tried accessing nonexisting field (username) on node type (User)',
    })
    const nested = await f.get('/me', { fields: 'location{zip}' }, token(['user_location']))
    expect(nested.json.error?.message).toBe('(#100) Tried accessing nonexisting field (zip) on node type (Page)')
  })
})

describe('Page fields', () => {
  it('answers about, fan_count, link, username, picture and tasks to a Page admin', async () => {
    const page = f.pages[0]?.id ?? ''
    f.emu.updatePage(page, { about: 'Bread daily', fanCount: 1200, username: 'adabakery' })
    const res = await f.get(
      `/${page}`,
      { fields: 'id,name,category,category_list,about,fan_count,link,username,picture,tasks' },
      token([]),
    )
    expect(res.json).toEqual({
      id: page,
      name: 'Page 1',
      category: 'Bakery',
      category_list: [{ id: '2500', name: 'Bakery' }],
      about: 'Bread daily',
      fan_count: 1200,
      link: 'https://www.facebook.com/adabakery',
      username: 'adabakery',
      picture: { data: expect.objectContaining({ is_silhouette: true, width: 50 }) },
      tasks: ['ADVERTISE', 'ANALYZE', 'CREATE_CONTENT', 'MESSAGING', 'MODERATE', 'MANAGE'],
    })
  })

  it('leaves tasks out for someone without a role, and refuses access_token to them', async () => {
    const page = f.pages[0]?.id ?? ''
    const stranger = f.emu.createUser({ name: 'Stranger' })
    const theirs = f.emu.issueUserToken({ appId: f.app.id, userId: stranger.id })
    const res = await f.get(`/${page}`, { fields: 'id,tasks,fan_count' }, theirs)
    expect(res.json).toEqual({ id: page, fan_count: 0 })
    const denied = await f.get(`/${page}`, { fields: 'access_token' }, theirs)
    expect(denied.json.error?.code).toBe(200)
  })

  it('reports unknown fields and edges against the Page node type', async () => {
    const page = f.pages[0]?.id ?? ''
    const field = await f.get(`/${page}`, { fields: 'email' }, token([]))
    expect(field.json.error?.message).toBe('(#100) Tried accessing nonexisting field (email) on node type (Page)')
    const edge = await f.get(`/${page}/nothing`, {}, token([]))
    expect(edge.json.error?.message).toBe('(#100) Tried accessing nonexisting field (nothing) on node type (Page)')
    const accounts = await f.get(`/${page}/accounts`, {}, token(['pages_show_list']))
    expect(accounts.json.error?.message).toBe('(#100) Tried accessing nonexisting field (accounts) on node type (Page)')
    const userEdge = await f.get('/me/nothing', {}, token([]))
    expect(userEdge.json.error?.message).toBe('(#100) Tried accessing nonexisting field (nothing) on node type (User)')
  })
})

describe('field expansion', () => {
  it('answers a connection as a field, with limit, nested fields and paging on the edge', async () => {
    const res = await f.get(
      '/v25.0/me',
      { fields: 'id,accounts.limit(2){id,name,access_token}' },
      token(['pages_show_list']),
    )
    expect(res.status).toBe(200)
    const accounts = res.json.accounts
    expect(accounts?.data?.map((p: Json) => Object.keys(p))).toEqual([
      ['id', 'name', 'access_token'],
      ['id', 'name', 'access_token'],
    ])
    expect(accounts?.data?.map((p: Json) => p.id)).toEqual([f.pages[0]?.id, f.pages[1]?.id])
    const next = new URL(String(accounts?.paging?.next))
    expect(`${next.origin}${next.pathname}`).toBe(`${f.emu.url}/v25.0/${f.user.id}/accounts`)
    expect(next.searchParams.get('fields')).toBe('id,name,access_token')
    expect(next.searchParams.get('limit')).toBe('2')
    const rest = (await (await fetch(next)).json()) as Json
    expect(rest.data?.map((p: Json) => p.id)).toEqual([f.pages[2]?.id])
    expect(rest.data?.[0]?.access_token).toMatch(/^EAA/)
  })

  it('nests deeper, renames with .as() and sizes pictures with modifiers', async () => {
    const fields =
      'name.as(full_name),picture.type(large).as(big){url,width},accounts.limit(1){name,picture.width(80){height}}'
    const res = await f.get('/me', { fields }, token(['pages_show_list']))
    expect(res.json.full_name).toBe('Ada Lovelace')
    expect(res.json.name).toBeUndefined()
    expect(res.json.big).toEqual({ data: { url: expect.stringContaining('width=200'), width: 200 } })
    expect(res.json.accounts?.data).toEqual([{ name: 'Page 1', picture: { data: { height: 80 } }, id: f.pages[0]?.id }])
  })

  it('leaves out a connection the token may not read, and answers permissions as a field', async () => {
    const res = await f.get('/me', { fields: 'id,accounts,permissions{permission}' }, token(['email']))
    expect(res.json).toEqual({
      id: f.user.id,
      permissions: { data: [{ permission: 'public_profile' }, { permission: 'email' }] },
    })
  })

  it('answers syntax errors with code 100', async () => {
    for (const fields of ['id,accounts{id', 'id}', 'accounts.limit(2', 'a{b}{c}', '.x']) {
      const res = await f.get('/me', { fields }, token([]))
      expect(res.status).toBe(400)
      expect(res.json.error).toMatchObject({ code: 100, type: 'OAuthException' })
      expect(res.json.error?.message).toMatch(/^\(#100\) Syntax error/)
    }
  })
})
