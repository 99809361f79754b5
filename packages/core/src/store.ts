import {
  createTokenCipher,
  type EncryptionOptions,
  openStoredValue,
  sealStoredValue,
  type TokenCipher,
} from './encryption.js'
import type { TokenInfo } from './token.js'

/**
 * The kinds of token an app keeps.
 *
 * @example
 * ```ts
 * import type { StoredTokenKind } from '@tokens/core'
 * function rowKey(kind: StoredTokenKind, appId: string, userId: string, pageId?: string): string {
 *   return kind === 'page' ? `page:${appId}:${pageId}:${userId}` : `user:${appId}:${userId}` // one per (app, user)
 * }
 * ```
 */
export type StoredTokenKind = 'user' | 'page' | 'system_user'

/**
 * A token as a store keeps it: the raw value (sealed at rest when the store encrypts) and its
 * metadata. No fixed length anywhere: Meta changes token lengths without notice.
 *
 * @example
 * ```ts
 * import { MemoryStore, type StoredToken } from '@tokens/core'
 * const store = new MemoryStore()
 * const saved: StoredToken | undefined = await store.findUserToken(appId, '1234567890')
 * if (saved !== undefined && (saved.info.expiresAt === null || saved.info.expiresAt > Date.now())) {
 *   await tokens.graph.get('/me', { token: saved.value })
 * }
 * ```
 */
export interface StoredToken {
  kind: StoredTokenKind
  appId: string
  /** The user (or system user) the token acts for; for a Page token, the admin it came from. */
  userId: string
  /** Page tokens only. */
  pageId?: string | undefined
  value: string
  info: TokenInfo
  /** When it was saved (ms since the epoch). */
  savedAt: number
}

/**
 * Where an app keeps the long-lived tokens it obtained. Implemented by {@link MemoryStore},
 * `@tokens/sqlite` and `@tokens/redis`; all pass one conformance suite. A store that encrypts seals
 * each value with `sealStoredValue` and opens it with `openStoredValue`, bound to its row's identity.
 *
 * @example
 * ```ts
 * const store: TokenStore = new MemoryStore()
 * const found = await store.findUserToken(appId, '42')
 * if (found) await store.deleteUser(appId, found.userId)
 * ```
 */
export interface TokenStore {
  /** Saves a token, replacing the one with the same (app, user) or (app, page, user). */
  save(token: StoredToken): Promise<void>
  /** The user or system user token of (app, user). */
  findUserToken(appId: string, userId: string): Promise<StoredToken | undefined>
  /** The most recently saved Page token of (app, page). */
  findPageToken(appId: string, pageId: string): Promise<StoredToken | undefined>
  /** The Page tokens obtained through one user. */
  listPageTokens(appId: string, userId: string): Promise<StoredToken[]>
  /** Deletes a user's tokens and the Page tokens obtained through them; returns how many. */
  deleteUser(appId: string, userId: string): Promise<number>
  close?(): void | Promise<void>
}

/**
 * Options of {@link MemoryStore}.
 *
 * @example
 * ```ts
 * const options: MemoryStoreOptions = { encryption: { keys: { k1: process.env.TOKEN_KEY! }, currentKeyId: 'k1' } }
 * ```
 */
export interface MemoryStoreOptions {
  /** Seal values in memory too, bound to their row as the persistent stores do (mostly to run the same tests). @default none */
  encryption?: EncryptionOptions
}

function clone(token: StoredToken): StoredToken {
  return { ...token, info: { ...token.info } }
}

/**
 * An in-process {@link TokenStore}: for tests and single-process apps that can lose tokens on restart.
 *
 * @example
 * ```ts
 * import { createTokens, MemoryStore } from '@tokens/core'
 * const tokens = createTokens({ appId, appSecret, store: new MemoryStore() })
 * ```
 */
export class MemoryStore implements TokenStore {
  readonly #rows = new Map<string, StoredToken>()
  readonly #cipher: TokenCipher | undefined

  constructor(options: MemoryStoreOptions = {}) {
    this.#cipher = options.encryption ? createTokenCipher(options.encryption) : undefined
  }

  #key(t: Pick<StoredToken, 'kind' | 'appId' | 'userId' | 'pageId'>): string {
    return t.kind === 'page' ? `page\0${t.appId}\0${t.pageId}\0${t.userId}` : `user\0${t.appId}\0${t.userId}`
  }

  #open(row: StoredToken): StoredToken {
    const out = clone(row)
    out.value = openStoredValue(this.#cipher, row.value, row)
    return out
  }

  async save(token: StoredToken): Promise<void> {
    const row = clone(token)
    row.value = sealStoredValue(this.#cipher, token.value, token)
    const key = this.#key(token)
    this.#rows.delete(key)
    this.#rows.set(key, row)
  }

  async findUserToken(appId: string, userId: string): Promise<StoredToken | undefined> {
    const row = this.#rows.get(this.#key({ kind: 'user', appId, userId }))
    return row ? this.#open(row) : undefined
  }

  async findPageToken(appId: string, pageId: string): Promise<StoredToken | undefined> {
    let latest: StoredToken | undefined
    for (const row of this.#rows.values()) {
      if (row.kind === 'page' && row.appId === appId && row.pageId === pageId) {
        if (latest === undefined || row.savedAt >= latest.savedAt) latest = row
      }
    }
    return latest ? this.#open(latest) : undefined
  }

  async listPageTokens(appId: string, userId: string): Promise<StoredToken[]> {
    return [...this.#rows.values()]
      .filter((row) => row.kind === 'page' && row.appId === appId && row.userId === userId)
      .map((row) => this.#open(row))
  }

  async deleteUser(appId: string, userId: string): Promise<number> {
    let deleted = 0
    for (const [key, row] of this.#rows) {
      if (row.appId === appId && row.userId === userId) {
        this.#rows.delete(key)
        deleted++
      }
    }
    return deleted
  }

  close(): void {
    this.#rows.clear()
  }
}
