import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  createTokenCipher,
  MemoryStore,
  openStoredValue,
  type StoredTokenIdentity,
  sealStoredValue,
} from '../src/index.js'
import { sealAsVersion1 } from '../src/testing.js'

const k1 = randomBytes(32)
const k2 = randomBytes(32)
const user: StoredTokenIdentity = { kind: 'user', appId: '1001', userId: '42' }
const systemUser: StoredTokenIdentity = { kind: 'system_user', appId: '1001', userId: '42' }
const page7: StoredTokenIdentity = { kind: 'page', appId: '1001', userId: '42', pageId: '7' }
const page8: StoredTokenIdentity = { kind: 'page', appId: '1001', userId: '42', pageId: '8' }

describe('sealed values are bound to the whole row', () => {
  const cipher = createTokenCipher({ keys: { k1 }, currentKeyId: 'k1' })

  it("a Page token's sealed value opens on its own row only: not on the user's other Page, nor their user token", () => {
    const sealed = cipher.seal('EAAP-page-7-token', page7)
    expect(cipher.open(sealed, page7)).toBe('EAAP-page-7-token')
    for (const elsewhere of [page8, user, systemUser, { ...page7, appId: '1002' }, { ...page7, userId: '43' }]) {
      expect(() => cipher.open(sealed, elsewhere)).toThrow(/sealed for another row/)
    }
  })

  it("a user token's sealed value does not open as a system user's, nor as a Page token", () => {
    const sealed = cipher.seal('EAAU-user-token', user)
    expect(() => cipher.open(sealed, systemUser)).toThrow(/sealed for another row/)
    expect(() => cipher.open(sealed, { ...page7, pageId: '' })).toThrow(/sealed for another row/)
  })

  it('ids containing separators cannot make two rows share a binding', () => {
    const a: StoredTokenIdentity = { kind: 'page', appId: '1', userId: 'a","b', pageId: 'c' }
    const b: StoredTokenIdentity = { kind: 'page', appId: '1', userId: 'a', pageId: 'b","c' }
    expect(() => cipher.open(cipher.seal('EAAP-x', a), b)).toThrow(/sealed for another row/)
    const c: StoredTokenIdentity = { kind: 'user', appId: '1:2', userId: '3' }
    const d: StoredTokenIdentity = { kind: 'user', appId: '1', userId: '2:3' }
    expect(() => cipher.open(cipher.seal('EAAU-x', c), d)).toThrow(/sealed for another row/)
  })

  it('an altered sealed value does not open, and the error never shows a token', () => {
    const sealed = cipher.seal('EAAU-secret-value', user)
    // The second-to-last character changed (to one it is not): its six bits are all data.
    const flipped = `${sealed.slice(0, -2)}${sealed.at(-2) === 'A' ? 'B' : 'A'}${sealed.slice(-1)}`
    expect(flipped).not.toBe(sealed)
    expect(() => cipher.open(flipped, user)).toThrow(/altered/)
    expect(() => cipher.open(`${sealed}:x`, user)).toThrow(/altered/)
    expect(() => cipher.open('enc:v9:k1:a:b:c', user)).toThrow(/format/)
    try {
      cipher.open(flipped, user)
    } catch (error) {
      expect(String(error)).not.toContain('EAAU-secret-value')
    }
  })
})

describe('rows sealed by the previous version (enc:v1)', () => {
  it('still open with the legacy binding, are not current, and a re-seal binds the whole row', () => {
    const v1 = sealAsVersion1('k1', k1, 'EAAP-legacy-page', '1001', '42')
    const rotated = createTokenCipher({ keys: { k1, k2 }, currentKeyId: 'k2' })
    expect(rotated.open(v1, page7)).toBe('EAAP-legacy-page')
    expect(rotated.isCurrent(v1)).toBe(false)
    const sameKey = createTokenCipher({ keys: { k1 }, currentKeyId: 'k1' })
    expect(sameKey.isCurrent(v1)).toBe(false) // a v1 row under the current key is still rewritten
    const resealed = sameKey.seal(sameKey.open(v1, page7), page7)
    expect(resealed.startsWith('enc:v2:k1:')).toBe(true)
    expect(sameKey.isCurrent(resealed)).toBe(true)
    expect(sameKey.open(resealed, page7)).toBe('EAAP-legacy-page')
    expect(() => sameKey.open(resealed, page8)).toThrow(/sealed for another row/)
    // The legacy binding still holds what it held: another user's row does not open it.
    expect(() => rotated.open(v1, { ...page7, userId: '43' })).toThrow(/sealed for another row/)
  })
})

describe('plain stored values while encryption is on', () => {
  it('are refused, with a clear error that never shows the value', () => {
    const cipher = createTokenCipher({ keys: { k1 }, currentKeyId: 'k1' })
    expect(() => cipher.open('EAAU-planted-by-someone', user)).toThrow(/not sealed.*allowPlaintext/)
    try {
      cipher.open('EAAU-planted-by-someone', user)
    } catch (error) {
      expect(String(error)).not.toContain('EAAU-planted')
    }
  })

  it('are admitted only with allowPlaintext (to migrate a store), and are never current', () => {
    const cipher = createTokenCipher({ keys: { k1 }, currentKeyId: 'k1', allowPlaintext: true })
    expect(cipher.open('EAAU-written-before-encryption', user)).toBe('EAAU-written-before-encryption')
    expect(cipher.isCurrent('EAAU-written-before-encryption')).toBe(false)
  })

  it('openStoredValue without encryption refuses a sealed value instead of returning it as a token', () => {
    const sealed = sealStoredValue(createTokenCipher({ keys: { k1 }, currentKeyId: 'k1' }), 'EAAU-x', user)
    expect(() => openStoredValue(undefined, sealed, user)).toThrow(/encrypted.*no encryption option/)
    expect(sealStoredValue(undefined, 'EAAU-x', user)).toBe('EAAU-x')
    expect(openStoredValue(undefined, 'EAAU-x', user)).toBe('EAAU-x')
  })
})

describe('encryption options are checked at startup', () => {
  it('an unset key (an environment variable that is not there) is a TypeError naming encryption.keys.k1', () => {
    const env: Record<string, string | undefined> = {}
    const make = () => createTokenCipher({ keys: { k1: env.TOKEN_KEY as string }, currentKeyId: 'k1' })
    expect(make).toThrow(TypeError)
    expect(make).toThrow(/encryption\.keys\.k1.*undefined/)
    try {
      make()
    } catch (error) {
      expect((error as { code?: unknown }).code).toBeUndefined() // not Node's ERR_INVALID_ARG_TYPE
    }
    expect(
      () => new MemoryStore({ encryption: { keys: { k1: env.TOKEN_KEY as string }, currentKeyId: 'k1' } }),
    ).toThrow(/encryption\.keys\.k1/)
  })

  it('other wrong shapes are TypeErrors naming the option', () => {
    const bad = (encryption: unknown) => () => createTokenCipher(encryption as Parameters<typeof createTokenCipher>[0])
    expect(bad({ keys: { k1: 42 }, currentKeyId: 'k1' })).toThrow(/encryption\.keys\.k1.*number/)
    expect(bad({ keys: { k1: null }, currentKeyId: 'k1' })).toThrow(/encryption\.keys\.k1/)
    expect(bad({ keys: { k1: '' }, currentKeyId: 'k1' })).toThrow(/encryption\.keys\.k1 must be 32 bytes/)
    expect(bad({ currentKeyId: 'k1' })).toThrow(/encryption\.keys must be an object/)
    expect(bad({ keys: { k1 }, currentKeyId: 'k1', allowPlaintext: 'yes' })).toThrow(/encryption\.allowPlaintext/)
    for (const make of [bad({ keys: { k1: 42 }, currentKeyId: 'k1' }), bad({ currentKeyId: 'k1' })]) {
      expect(make).toThrow(TypeError)
    }
  })
})
