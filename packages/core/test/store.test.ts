import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createTokenCipher, LruVerificationCache, MemoryStore, type StoredToken } from '../src/index.js'

const info = {
  type: 'user' as const,
  appId: '1',
  userId: '42',
  scopes: ['public_profile'],
  granularScopes: [],
  issuedAt: 1,
  expiresAt: null,
  dataAccessExpiresAt: null,
}

function userRecord(userId: string, value: string): StoredToken {
  return { kind: 'user', appId: '1', userId, value, info: { ...info, userId }, savedAt: 1 }
}

function pageRecord(userId: string, pageId: string, value: string, savedAt = 1): StoredToken {
  return { kind: 'page', appId: '1', userId, pageId, value, info: { ...info, type: 'page', userId, pageId }, savedAt }
}

describe('createTokenCipher', () => {
  const k1 = randomBytes(32).toString('base64')
  const k2 = randomBytes(32).toString('hex')
  const row = { kind: 'user', appId: '1', userId: '42' } as const

  it('round-trips and binds the row', () => {
    const cipher = createTokenCipher({ keys: { k1 }, currentKeyId: 'k1' })
    const sealed = cipher.seal('EAAB-secret', row)
    expect(sealed).not.toContain('EAAB-secret')
    expect(sealed.startsWith('enc:v2:k1:')).toBe(true)
    expect(cipher.open(sealed, row)).toBe('EAAB-secret')
    expect(() => cipher.open(sealed, { ...row, userId: '43' })).toThrow(/sealed for another row/)
  })

  it('rotates: old rows stay readable, and are known as not current', () => {
    const old = createTokenCipher({ keys: { k1 }, currentKeyId: 'k1' }).seal('v', row)
    const rotated = createTokenCipher({ keys: { k1, k2 }, currentKeyId: 'k2' })
    expect(rotated.open(old, row)).toBe('v')
    expect(rotated.isCurrent(old)).toBe(false)
    expect(rotated.isCurrent(rotated.seal('v', row))).toBe(true)
    expect(() => createTokenCipher({ keys: { k2 }, currentKeyId: 'k2' }).open(old, row)).toThrow(/k1/)
  })

  it('refuses bad keys with the option named', () => {
    expect(() => createTokenCipher({ keys: { k1: 'short' }, currentKeyId: 'k1' })).toThrow(/encryption.keys.k1/)
    expect(() => createTokenCipher({ keys: { k1 }, currentKeyId: 'nope' })).toThrow(/currentKeyId/)
    expect(() => createTokenCipher({ keys: { 'a:b': k1 }, currentKeyId: 'a:b' })).toThrow(TypeError)
  })
})

describe('MemoryStore', () => {
  for (const encrypted of [false, true]) {
    it(`saves, finds and deletes by user${encrypted ? ' (encrypted)' : ''}`, async () => {
      const store = new MemoryStore(
        encrypted ? { encryption: { keys: { k: randomBytes(32) }, currentKeyId: 'k' } } : {},
      )
      const big = 'E'.repeat(65_536)
      await store.save(userRecord('42', big))
      await store.save(userRecord('43', 'other'))
      await store.save(pageRecord('42', '7', 'page-a', 1))
      await store.save(pageRecord('43', '7', 'page-b', 2))
      await store.save(pageRecord('42', '8', 'page-c', 3))
      expect((await store.findUserToken('1', '42'))?.value).toBe(big)
      expect(await store.findUserToken('2', '42')).toBeUndefined()
      expect((await store.findPageToken('1', '7'))?.value).toBe('page-b')
      expect((await store.listPageTokens('1', '42')).map((t) => t.value).sort()).toEqual(['page-a', 'page-c'])
      expect(await store.deleteUser('1', '42')).toBe(3)
      expect(await store.findUserToken('1', '42')).toBeUndefined()
      expect((await store.findPageToken('1', '7'))?.value).toBe('page-b')
      expect(await store.listPageTokens('1', '42')).toEqual([])
    })
  }
})

describe('LruVerificationCache', () => {
  const entry = (userId: string, keepUntil = 10_000) => ({
    outcome: 'valid' as const,
    info: { ...info, userId },
    verifiedAt: 0,
    freshUntil: keepUntil,
    keepUntil,
  })

  it('evicts the least recently used past its bound', () => {
    const cache = new LruVerificationCache({ maxEntries: 2, clock: () => 0 })
    cache.set('a', entry('1'))
    cache.set('b', entry('2'))
    cache.get('a')
    cache.set('c', entry('3'))
    expect(cache.size).toBe(2)
    expect(cache.get('b')).toBeUndefined()
    expect(cache.get('a')).toBeDefined()
  })

  it('drops expired entries and every entry of a deleted user', () => {
    let now = 0
    const cache = new LruVerificationCache({ clock: () => now })
    cache.set('a', entry('1', 100))
    cache.set('b', entry('1'))
    cache.set('c', entry('2'))
    now = 100
    expect(cache.get('a')).toBeUndefined()
    cache.deleteUser('1')
    expect(cache.get('b')).toBeUndefined()
    expect(cache.get('c')).toBeDefined()
    expect(cache.size).toBe(1)
  })

  it('refuses a bad bound', () => {
    expect(() => new LruVerificationCache({ maxEntries: 0 })).toThrow(TypeError)
  })
})
