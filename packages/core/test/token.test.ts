import { inspect } from 'node:util'
import { describe, expect, expectTypeOf, it } from 'vitest'
import {
  type AccessToken,
  AppToken,
  ClientToken,
  PageToken,
  SystemUserToken,
  type TokenInfo,
  tokenFromInfo,
  UserToken,
} from '../src/index.js'

const RAW = 'EAAGm0PX4ZCpsBAKZBZCv2h7xZAbc123secretpart'
const base: TokenInfo = {
  type: 'user',
  appId: '1000',
  userId: '42',
  scopes: ['public_profile', 'pages_show_list'],
  granularScopes: [{ scope: 'pages_show_list', targetIds: ['7'] }, { scope: 'public_profile' }],
  issuedAt: Date.UTC(2026, 0, 1),
  expiresAt: Date.UTC(2026, 2, 1),
  dataAccessExpiresAt: Date.UTC(2026, 3, 1),
}

const all: AccessToken[] = [
  tokenFromInfo(RAW, base),
  tokenFromInfo(RAW, { ...base, type: 'page', pageId: '7', tasks: ['MANAGE'] }),
  tokenFromInfo('1000|appsecretvalue123', { ...base, type: 'app', userId: undefined }),
  tokenFromInfo(RAW, { ...base, type: 'system_user' }),
  tokenFromInfo('1000|clienttokenvalue123', { ...base, type: 'client', userId: undefined }),
]

describe('token model', () => {
  it('builds the class of each type', () => {
    expect(all.map((t) => t.constructor)).toEqual([UserToken, PageToken, AppToken, SystemUserToken, ClientToken])
    expect(all.map((t) => t.type)).toEqual(['user', 'page', 'app', 'system_user', 'client'])
  })

  it('carries the fields of the token model (ARCHITECTURE.md#the-token-model)', () => {
    const page = all[1] as PageToken
    expect(page.pageId).toBe('7')
    expect(page.userId).toBe('42')
    expect(page.tasks).toEqual(['MANAGE'])
    expect(page.appId).toBe('1000')
    expect(page.expiresAt).toEqual(new Date(base.expiresAt as number))
    expect(page.dataAccessExpiresAt).toEqual(new Date(base.dataAccessExpiresAt as number))
    expect(page.issuedAt).toEqual(new Date(base.issuedAt as number))
    expect(page.lifetime).toBe('long')
    expect(page.value).toBe(RAW)
  })

  it('derives the lifetime from what Graph said', () => {
    const never = tokenFromInfo(RAW, { ...base, expiresAt: null })
    expect(never.lifetime).toBe('never')
    expect(never.expiresAt).toBeNull()
    const short = tokenFromInfo(RAW, { ...base, issuedAt: null, expiresAt: Date.UTC(2026, 0, 1, 2) })
    expect(short.lifetime).toBe('short')
    expect(short.issuedAt).toBeNull()
  })

  it('answers hasScope with granular targets', () => {
    const user = all[0] as UserToken
    expect(user.hasScope('public_profile')).toBe(true)
    expect(user.hasScope('public_profile', 'anything')).toBe(true)
    expect(user.hasScope('pages_show_list', '7')).toBe(true)
    expect(user.hasScope('pages_show_list', '8')).toBe(false)
    expect(user.hasScope('email')).toBe(false)
  })

  it('is immutable', () => {
    const user = all[0] as UserToken
    expect(() => {
      ;(user as { userId: string }).userId = '1'
    }).toThrow(TypeError)
    expect(Object.isFrozen(user)).toBe(true)
  })

  it('never shows the raw value, however it is printed', () => {
    for (const token of all) {
      const secretPart = token.value.includes('|') ? token.value.split('|')[1] : token.value.slice(3)
      const shown = [
        JSON.stringify(token),
        String(token),
        `${token}`,
        inspect(token),
        inspect({ nested: { token } }, { depth: 5 }),
        JSON.stringify({ token }),
        Object.keys(token).join(),
        JSON.stringify({ ...token }),
      ]
      for (const text of shown) expect(text).not.toContain(secretPart)
      expect(JSON.parse(JSON.stringify(token)).value).toMatch(/\[redacted\]$/)
    }
    expect(String(all[0])).toBe('UserToken(EAA…[redacted])')
    expect(String(all[2])).toBe('AppToken(1000|[redacted])')
  })

  it('narrows on type', () => {
    const token = all[1] as AccessToken
    if (token.type === 'page') expectTypeOf(token).toEqualTypeOf<PageToken>()
    if (token.type === 'user') expectTypeOf(token.userId).toBeString()
    expectTypeOf<Extract<AccessToken, { type: 'system_user' }>>().toEqualTypeOf<SystemUserToken>()
  })
})
