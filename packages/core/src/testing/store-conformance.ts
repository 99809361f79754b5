import { createCipheriv, randomBytes } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { EncryptionOptions, StoredToken, StoredTokenIdentity, TokenInfo, TokenStore } from '../index.js'

/**
 * One backend under the `TokenStore` conformance suite: how to open it, reset it, and (for a
 * database) reach its rows behind its back. The core runs the suite against `MemoryStore`,
 * `@tokens/sqlite` and `@tokens/redis` against theirs; a store of your own proves itself the same way.
 *
 * @example
 * ```ts
 * import { MemoryStore } from '@tokens/core'
 * import type { StoreBackend } from '@tokens/core/testing'
 * const backend: StoreBackend = { persistent: false, open: (options) => new MemoryStore(options), reset() {} }
 * ```
 */
export interface StoreBackend {
  /** Opens a store. Within one test, every call opens the same storage (a reopen, for persistent backends). */
  open(options?: { encryption?: EncryptionOptions }): TokenStore | Promise<TokenStore>
  /** Whether a second `open()` sees what the first saved (false for `MemoryStore`). */
  persistent: boolean
  /** Gives the next test fresh, empty storage. */
  reset(): void | Promise<void>
  /**
   * Reads and writes stored values behind the store's back, as someone with write access to the
   * database would (absent for `MemoryStore`). `write` replaces the value of an existing row only.
   */
  raw?: {
    read(row: StoredTokenIdentity): string | undefined | Promise<string | undefined>
    write(row: StoredTokenIdentity, value: string): void | Promise<void>
  }
}

/** A store that can re-seal its rows (`@tokens/sqlite`, `@tokens/redis`). */
type Reencrypting = TokenStore & { reencrypt(): Promise<number> }

function canReencrypt(store: TokenStore): store is Reencrypting {
  return typeof (store as Partial<Reencrypting>).reencrypt === 'function'
}

/**
 * Seals exactly as @tokens/core 0.1 did: `enc:v1:<keyId>:…`, bound to `appId:userId` only. For
 * migration tests: rows written before the whole row identity was bound must keep opening.
 *
 * @example
 * ```ts
 * import { randomBytes } from 'node:crypto'
 * import { sealAsVersion1 } from '@tokens/core/testing'
 * const sealed = sealAsVersion1('k1', randomBytes(32), 'EAAB-old-token', '1001', '42')
 * ```
 */
export function sealAsVersion1(keyId: string, key: Uint8Array, value: string, appId: string, userId: string): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(Buffer.from(`${appId}:${userId}`))
  const sealed = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()])
  const tag = cipher.getAuthTag()
  return `enc:v1:${keyId}:${iv.toString('base64url')}:${tag.toString('base64url')}:${sealed.toString('base64url')}`
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

/**
 * A user token record of the suite's app (`1001`); `value` defaults to a fresh random token.
 *
 * @example
 * ```ts
 * import { MemoryStore } from '@tokens/core'
 * import { userToken } from '@tokens/core/testing'
 * await new MemoryStore().save(userToken('42'))
 * ```
 */
export function userToken(userId: string, value = `EAAU${randomBytes(24).toString('hex')}`, savedAt = 1): StoredToken {
  return { kind: 'user', appId: APP, userId, value, info: info('user', userId), savedAt }
}

/**
 * A Page token record of the suite's app, obtained through `userId`.
 *
 * @example
 * ```ts
 * import { MemoryStore } from '@tokens/core'
 * import { pageToken } from '@tokens/core/testing'
 * await new MemoryStore().save(pageToken('42', '7'))
 * ```
 */
export function pageToken(
  userId: string,
  pageId: string,
  value = `EAAP${randomBytes(24).toString('hex')}`,
  savedAt = 1,
): StoredToken {
  return { kind: 'page', appId: APP, userId, pageId, value, info: info('page', userId, pageId), savedAt }
}

/**
 * Registers the `TokenStore` conformance suite (Vitest) for one backend: saving and finding every
 * kind of row, apps kept apart, deletion of a user, sealed rows that cannot be moved between rows,
 * plain values refused while encryption is on, migration from the previous sealing, rotation.
 *
 * @example
 * ```ts
 * import { MemoryStore } from '@tokens/core'
 * import { describeStoreConformance } from '@tokens/core/testing'
 * describeStoreConformance('MemoryStore', { persistent: false, open: (options) => new MemoryStore(options), reset() {} })
 * ```
 */
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
      const rotated = await open({ encryption: { keys: { k1, k2 }, currentKeyId: 'k2', allowPlaintext: true } })
      expect(await rotated.findUserToken(APP, '42')).toEqual(u)
      expect(await rotated.findUserToken(APP, '41')).toEqual(legacy)
      await rotated.save(u)
      const onlyNew = await open({ encryption: { keys: { k2 }, currentKeyId: 'k2' } })
      expect(await onlyNew.findUserToken(APP, '42')).toEqual(u)
    })

    it('with encryption: a plain row (saved before encryption was on) is refused unless allowPlaintext admits it', async () => {
      if (!backend.persistent) return
      const k1 = randomBytes(32)
      const legacy = [userToken('41'), pageToken('41', '7')]
      const before = await open()
      for (const t of legacy) await before.save(t)
      const strict = await open({ encryption: { keys: { k1 }, currentKeyId: 'k1' } })
      await expect(strict.findUserToken(APP, '41')).rejects.toThrow(/not sealed.*allowPlaintext/)
      await expect(strict.findPageToken(APP, '7')).rejects.toThrow(/not sealed/)
      await expect(strict.listPageTokens(APP, '41')).rejects.toThrow(/not sealed/)
      if (canReencrypt(strict)) {
        // reencrypt() does not seal what it was not told to admit: the plain rows stay refused.
        await expect(strict.reencrypt()).rejects.toThrow(/not sealed.*allowPlaintext/)
        await expect(strict.findUserToken(APP, '41')).rejects.toThrow(/not sealed/)
      }
      const migrating = await open({ encryption: { keys: { k1 }, currentKeyId: 'k1', allowPlaintext: true } })
      expect(await migrating.findUserToken(APP, '41')).toEqual(legacy[0])
      expect(await migrating.findPageToken(APP, '7')).toEqual(legacy[1])
      if (!canReencrypt(migrating)) return
      expect(await migrating.reencrypt()).toBe(2)
      expect(await strict.findUserToken(APP, '41')).toEqual(legacy[0])
      expect(await strict.listPageTokens(APP, '41')).toEqual([legacy[1]])
    })

    it("with encryption: a sealed value moved onto another row does not open, even among one user's rows", async () => {
      const raw = backend.raw
      if (raw === undefined) return
      const store = await open({ encryption: { keys: { k1: randomBytes(32) }, currentKeyId: 'k1' } })
      const page7 = pageToken('42', '7')
      const moves: Array<[from: StoredToken, to: StoredToken, find: () => Promise<unknown>]> = [
        [page7, pageToken('42', '8'), () => store.findPageToken(APP, '8')],
        [page7, pageToken('42', '9'), () => store.listPageTokens(APP, '42')],
        [page7, userToken('42'), () => store.findUserToken(APP, '42')],
        [userToken('43'), pageToken('43', '10'), () => store.findPageToken(APP, '10')],
        [userToken('44'), { ...userToken('45'), kind: 'system_user' }, () => store.findUserToken(APP, '45')],
        [userToken('46'), { ...userToken('46'), appId: OTHER_APP }, () => store.findUserToken(OTHER_APP, '46')],
      ]
      for (const [from, to, find] of moves) {
        await store.save(from)
        await store.save(to)
        const sealed = await raw.read(from)
        expect(sealed).toMatch(/^enc:v2:k1:/)
        await raw.write(to, sealed as string)
        await expect(find()).rejects.toThrow(/sealed for another row/)
      }
    })

    it('with encryption: a plain value planted in the database is refused, never returned as a token', async () => {
      const raw = backend.raw
      if (raw === undefined) return
      const k1 = randomBytes(32)
      const store = await open({ encryption: { keys: { k1 }, currentKeyId: 'k1' } })
      const user = userToken('42')
      const page = pageToken('42', '7')
      await store.save(user)
      await store.save(page)
      await raw.write(user, 'EAAU-planted-by-an-attacker')
      await raw.write(page, 'EAAP-planted-by-an-attacker')
      const refused = /not sealed, while encryption is on/
      await expect(store.findUserToken(APP, '42')).rejects.toThrow(refused)
      await expect(store.findPageToken(APP, '7')).rejects.toThrow(refused)
      await expect(store.listPageTokens(APP, '42')).rejects.toThrow(refused)
      for (const find of [() => store.findUserToken(APP, '42'), () => store.findPageToken(APP, '7')]) {
        await find().then(
          (found) => expect.unreachable(`returned ${JSON.stringify(found)}`),
          (error: Error) => expect(error.message).not.toContain('planted'),
        )
      }
      if (!canReencrypt(store)) return
      await expect(store.reencrypt()).rejects.toThrow(refused)
      expect(await raw.read(user)).toBe('EAAU-planted-by-an-attacker') // not silently sealed
    })

    it('migration: rows sealed as the previous version did (enc:v1) open, and reencrypt() binds them to their whole row', async () => {
      const raw = backend.raw
      if (raw === undefined) return
      const k1 = randomBytes(32)
      const store = await open({ encryption: { keys: { k1 }, currentKeyId: 'k1' } })
      const tokens = [userToken('42'), pageToken('42', '7'), pageToken('42', '8')]
      for (const t of tokens) {
        await store.save(t)
        await raw.write(t, sealAsVersion1('k1', k1, t.value, t.appId, t.userId))
      }
      expect(await store.findUserToken(APP, '42')).toEqual(tokens[0])
      expect(await store.findPageToken(APP, '7')).toEqual(tokens[1])
      if (!canReencrypt(store)) return
      expect(await store.reencrypt()).toBe(3) // the key did not change: the format did
      expect(await store.reencrypt()).toBe(0)
      for (const t of tokens) expect(await raw.read(t)).toMatch(/^enc:v2:k1:/)
      expect(await store.findUserToken(APP, '42')).toEqual(tokens[0])
      expect((await store.listPageTokens(APP, '42')).sort((a, b) => a.value.localeCompare(b.value))).toEqual(
        tokens.slice(1).sort((a, b) => a.value.localeCompare(b.value)),
      )
      // Before: a v1 Page value opened on the user's other Page row. After reencrypt(), it does not.
      await raw.write(tokens[2] as StoredToken, (await raw.read(tokens[1] as StoredToken)) as string)
      await expect(store.findPageToken(APP, '8')).rejects.toThrow(/sealed for another row/)
    })
  })
}
