import { randomBytes } from 'node:crypto'
import type { EncryptionOptions, StoredToken, TokenInfo, TokenStore } from '@tokens/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

/**
 * One backend under the shared `TokenStore` conformance suite. `@tokens/sqlite` runs it against
 * core's `MemoryStore` and `sqliteStore`; `@tokens/redis` imports this file and runs it against
 * `redisStore`. One suite, so the three cannot drift apart.
 */
export interface StoreBackend {
  /** Opens a store. Within one test, every call opens the same storage (a reopen, for persistent backends). */
  open(options?: { encryption?: EncryptionOptions }): TokenStore | Promise<TokenStore>
  /** Whether a second `open()` sees what the first saved (false for `MemoryStore`). */
  persistent: boolean
  /** Gives the next test fresh, empty storage. */
  reset(): void | Promise<void>
}

const APP = '1001'
const OTHER_APP = '1002'

function info(kind: StoredToken['kind'], userId: string, pageId?: string, expiresAt: number | null = null): TokenInfo {
  return {
    type: kind,
    appId: APP,
    userId,
    ...(pageId === undefined ? {} : { pageId, tasks: ['MODERATE', 'CREATE_CONTENT'] }),
    scopes: ['public_profile', 'pages_show_list'],
    granularScopes: [{ scope: 'pages_show_list', targetIds: ['7', '8'] }],
    issuedAt: 1_750_000_000_000,
    expiresAt,
    dataAccessExpiresAt: 1_757_776_000_000,
  }
}

/** A user token record; `value` defaults to a fresh random token. */
export function userToken(userId: string, value = `EAAU${randomBytes(24).toString('hex')}`, savedAt = 1): StoredToken {
  return { kind: 'user', appId: APP, userId, value, info: info('user', userId), savedAt }
}

/** A Page token record obtained through `userId`. */
export function pageToken(
  userId: string,
  pageId: string,
  value = `EAAP${randomBytes(24).toString('hex')}`,
  savedAt = 1,
): StoredToken {
  return { kind: 'page', appId: APP, userId, pageId, value, info: info('page', userId, pageId), savedAt }
}

/** Registers the conformance suite for one backend. */
export function describeStoreConformance(name: string, backend: StoreBackend): void {
  describe(`TokenStore conformance: ${name}`, () => {
    const opened: TokenStore[] = []
    const open = async (options?: { encryption?: EncryptionOptions }) => {
      const store = await backend.open(options)
      opened.push(store)
      return store
    }
    beforeEach(() => backend.reset())
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close?.()
    })

    it('saves and finds a user token, every field intact', async () => {
      const store = await open()
      const token = userToken('42')
      await store.save(token)
      expect(await store.findUserToken(APP, '42')).toEqual(token)
      expect(await store.findUserToken(APP, '43')).toBeUndefined()
      expect(await store.findUserToken(OTHER_APP, '42')).toBeUndefined()
    })

    it('keeps apps apart and replaces the token of the same (app, user)', async () => {
      const store = await open()
      await store.save(userToken('42', 'EAAU-first-token-value-0001'))
      await store.save({ ...userToken('42', 'EAAU-other-app-value-0001'), appId: OTHER_APP })
      await store.save(userToken('42', 'EAAU-second-token-value-002', 2))
      expect((await store.findUserToken(APP, '42'))?.value).toBe('EAAU-second-token-value-002')
      expect((await store.findUserToken(OTHER_APP, '42'))?.value).toBe('EAAU-other-app-value-0001')
      const system: StoredToken = { ...userToken('42', 'EAAS-system-user-value-0001', 3), kind: 'system_user' }
      await store.save(system)
      expect(await store.findUserToken(APP, '42')).toEqual(system)
    })

    it('keeps 8 KiB and 64 KiB tokens whole (no fixed length anywhere)', async () => {
      const store = await open()
      const eight = `EAA${'x'.repeat(8 * 1024 - 3)}`
      const big = `EAA${randomBytes(48 * 1024)
        .toString('base64')
        .slice(0, 64 * 1024 - 3)}`
      await store.save(userToken('8k', eight))
      await store.save(pageToken('8k', '64k', big))
      expect((await store.findUserToken(APP, '8k'))?.value).toBe(eight)
      expect((await store.findPageToken(APP, '64k'))?.value).toBe(big)
      expect(big).toHaveLength(64 * 1024)
    })

    it('finds the most recently saved Page token of a Page and lists Page tokens by user', async () => {
      const store = await open()
      const a = pageToken('42', '7', undefined, 10)
      const b = pageToken('43', '7', undefined, 20)
      const c = pageToken('42', '8', undefined, 5)
      for (const t of [a, b, c]) await store.save(t)
      expect(await store.findPageToken(APP, '7')).toEqual(b)
      expect(await store.findPageToken(APP, '8')).toEqual(c)
      expect(await store.findPageToken(APP, '9')).toBeUndefined()
      expect(await store.findPageToken(OTHER_APP, '7')).toBeUndefined()
      const listed = await store.listPageTokens(APP, '42')
      expect(listed.map((t) => t.pageId).sort()).toEqual(['7', '8'])
      expect(listed.find((t) => t.pageId === '7')).toEqual(a)
      expect(await store.listPageTokens(APP, '44')).toEqual([])
      // A Page token is not a user token.
      expect(await store.findUserToken(APP, '43')).toBeUndefined()
      // Saving again under the same (app, page, user) replaces, and makes it the latest.
      const a2 = pageToken('42', '7', undefined, 30)
      await store.save(a2)
      expect(await store.findPageToken(APP, '7')).toEqual(a2)
      expect(await store.listPageTokens(APP, '42')).toHaveLength(2)
    })

    it('deleteUser removes the user token and the Page tokens obtained through it, and counts them', async () => {
      const store = await open()
      await store.save(userToken('42'))
      await store.save(pageToken('42', '7', undefined, 30))
      await store.save(pageToken('42', '8', undefined, 30))
      const kept = [userToken('43'), pageToken('43', '7', undefined, 10)]
      for (const t of kept) await store.save(t)
      await store.save({ ...userToken('42'), appId: OTHER_APP })
      expect(await store.deleteUser(APP, '42')).toBe(3)
      expect(await store.findUserToken(APP, '42')).toBeUndefined()
      expect(await store.listPageTokens(APP, '42')).toEqual([])
      expect(await store.findPageToken(APP, '8')).toBeUndefined()
      // The Page still has a token obtained through another admin.
      expect(await store.findPageToken(APP, '7')).toEqual(kept[1])
      expect(await store.findUserToken(APP, '43')).toEqual(kept[0])
      expect(await store.findUserToken(OTHER_APP, '42')).toBeDefined()
      expect(await store.deleteUser(APP, '42')).toBe(0)
    })

    it('treats ids as opaque strings (separators, unicode)', async () => {
      const store = await open()
      const odd = ['a:b', 'a', 'b:c\0d', 'ü/%3A*']
      for (const id of odd) await store.save(pageToken(id, id, `EAAP-${encodeURIComponent(id)}-value-000`))
      for (const id of odd) {
        expect((await store.findPageToken(APP, id))?.userId).toBe(id)
        expect(await store.listPageTokens(APP, id)).toHaveLength(1)
      }
      expect(await store.deleteUser(APP, 'a')).toBe(1)
      expect((await store.findPageToken(APP, 'a:b'))?.userId).toBe('a:b')
    })

    it('hands out copies: changing a found token changes nothing stored', async () => {
      const store = await open()
      const token = userToken('42')
      await store.save(token)
      const found = await store.findUserToken(APP, '42')
      if (found === undefined) throw new Error('not found')
      found.value = 'changed'
      ;(found.info as { scopes: readonly string[] }).scopes = []
      token.value = 'changed too'
      expect((await store.findUserToken(APP, '42'))?.value).not.toMatch(/changed/)
      expect((await store.findUserToken(APP, '42'))?.info.scopes).toHaveLength(2)
    })

    it('takes concurrent saves without losing one', async () => {
      const store = await open()
      const tokens = Array.from({ length: 50 }, (_, i) => pageToken(String(i % 5), `p${i}`))
      await Promise.all(tokens.map((t) => store.save(t)))
      for (let u = 0; u < 5; u++) expect(await store.listPageTokens(APP, String(u))).toHaveLength(10)
      expect(await store.deleteUser(APP, '3')).toBe(10)
    })

    it('with encryption: round-trips, and a wrong or missing key cannot read', async () => {
      const k1 = randomBytes(32).toString('base64')
      const store = await open({ encryption: { keys: { k1 }, currentKeyId: 'k1' } })
      const u = userToken('42')
      const p = pageToken('42', '7')
      await store.save(u)
      await store.save(p)
      expect(await store.findUserToken(APP, '42')).toEqual(u)
      expect(await store.findPageToken(APP, '7')).toEqual(p)
      if (!backend.persistent) return
      const other = await open({ encryption: { keys: { k2: randomBytes(32) }, currentKeyId: 'k2' } })
      await expect(other.findUserToken(APP, '42')).rejects.toThrow(/k1/)
      const plain = await open()
      await expect(plain.findUserToken(APP, '42')).rejects.toThrow(/encrypt/)
    })

    it('rotates keys: old rows stay readable, and a write re-encrypts with the new key', async () => {
      if (!backend.persistent) return
      const k1 = randomBytes(32).toString('hex')
      const k2 = randomBytes(32).toString('base64')
      const before = await open()
      const legacy = userToken('41')
      await before.save(legacy)
      const old = await open({ encryption: { keys: { k1 }, currentKeyId: 'k1' } })
      const u = userToken('42')
      await old.save(u)
      const rotated = await open({ encryption: { keys: { k1, k2 }, currentKeyId: 'k2' } })
      expect(await rotated.findUserToken(APP, '42')).toEqual(u)
      expect(await rotated.findUserToken(APP, '41')).toEqual(legacy)
      await rotated.save(u)
      const onlyNew = await open({ encryption: { keys: { k2 }, currentKeyId: 'k2' } })
      expect(await onlyNew.findUserToken(APP, '42')).toEqual(u)
    })
  })
}
