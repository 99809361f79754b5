import {
  createTokenCipher,
  type EncryptionOptions,
  openStoredValue,
  type StoredToken,
  type StoredTokenKind,
  sealStoredValue,
  type TokenCipher,
  type TokenInfo,
  type TokenStore,
} from '@tokens/core'
import Database from 'better-sqlite3'
import { useWal } from './journal-mode.js'
import { checkSchemaForReading, migrate } from './migrations.js'
import { refuseReadOnly } from './read-only.js'

/**
 * Options of {@link sqliteStore}.
 *
 * @example
 * ```ts
 * const options: SqliteStoreOptions = {
 *   filename: 'tokens.db',
 *   encryption: { keys: { k1: process.env.TOKEN_KEY! }, currentKeyId: 'k1' },
 * }
 * ```
 */
export interface SqliteStoreOptions {
  /** The database file, created if missing; `':memory:'` for a throwaway database. */
  filename: string
  /** Seal token values at rest (AES-256-GCM, named keys, rotation). @default none: values stored as is */
  encryption?: EncryptionOptions
  /** How long a write, or opening the file, waits for another process holding the database lock, in ms. @default 5000 */
  busyTimeoutMs?: number
  /**
   * Open an existing file for reading only (a CLI `list`, a backup reader): no migration, no switch to
   * WAL, and `save`, `deleteUser` and `reencrypt` reject. Without it, a file the process cannot write
   * is refused at startup.
   * @default false
   */
  readonly?: boolean
}

interface Row {
  app_id: string
  user_id: string
  page_id: string
  kind: StoredTokenKind
  value: string
  info: string
  saved_at: number
}

const COLUMNS = 'app_id, user_id, page_id, kind, value, info, saved_at'
/** Rows `reencrypt()` re-seals per transaction: the write lock is held for one batch at a time. */
const REENCRYPT_BATCH = 200

/**
 * A {@link TokenStore} in one SQLite file (better-sqlite3): WAL, versioned migrations, optional
 * encryption at rest. Build it with {@link sqliteStore}.
 *
 * @example
 * ```ts
 * import { SqliteStore } from '@tokens/sqlite'
 * const store = new SqliteStore({ filename: 'tokens.db' })
 * ```
 */
export class SqliteStore implements TokenStore {
  readonly #db: Database.Database
  readonly #cipher: TokenCipher | undefined
  readonly #upsert: Database.Statement
  readonly #findUser: Database.Statement
  readonly #findPage: Database.Statement
  readonly #listPages: Database.Statement
  readonly #deleteUser: Database.Statement
  readonly #readonly: boolean

  constructor(options: SqliteStoreOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('sqliteStore: options must be an object')
    if (typeof options.filename !== 'string' || options.filename === '') {
      throw new TypeError("sqliteStore: option 'filename' must be a file path or ':memory:'")
    }
    const busy = options.busyTimeoutMs ?? 5000
    if (!Number.isInteger(busy) || busy < 0) throw new TypeError("sqliteStore: option 'busyTimeoutMs' must be ≥ 0")
    const readonly = options.readonly ?? false
    if (typeof readonly !== 'boolean') throw new TypeError("sqliteStore: option 'readonly' must be a boolean")
    if (readonly && options.filename === ':memory:') {
      throw new TypeError("sqliteStore: option 'readonly' needs an existing file, not ':memory:'")
    }
    this.#cipher = options.encryption === undefined ? undefined : createTokenCipher(options.encryption)
    this.#readonly = readonly
    this.#db = open(options.filename, busy, readonly)
    try {
      if (readonly) checkSchemaForReading(this.#db, options.filename)
      else {
        refuseReadOnly(this.#db, options.filename)
        useWal(this.#db, busy)
        this.#db.pragma('synchronous = FULL')
        // Deleted and replaced values are overwritten, not left in free pages: a revoked token, or a
        // plain value re-sealed by reencrypt(), does not linger in the file.
        this.#db.pragma('secure_delete = ON')
        migrate(this.#db)
      }
    } catch (error) {
      this.#db.close()
      throw error
    }
    this.#upsert = this.#db.prepare(
      `INSERT OR REPLACE INTO tokens (${COLUMNS}, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    this.#findUser = this.#db.prepare(
      `SELECT ${COLUMNS} FROM tokens WHERE app_id = ? AND user_id = ? AND page_id = '' AND kind <> 'page'`,
    )
    this.#findPage = this.#db.prepare(
      `SELECT ${COLUMNS} FROM tokens WHERE app_id = ? AND page_id = ? AND kind = 'page'
       ORDER BY saved_at DESC, rowid DESC LIMIT 1`,
    )
    this.#listPages = this.#db.prepare(
      `SELECT ${COLUMNS} FROM tokens WHERE app_id = ? AND user_id = ? AND kind = 'page' ORDER BY rowid`,
    )
    this.#deleteUser = this.#db.prepare('DELETE FROM tokens WHERE app_id = ? AND user_id = ?')
  }

  async save(token: StoredToken): Promise<void> {
    this.#refuseWrite('save')
    const pageId = token.kind === 'page' ? token.pageId : ''
    if (typeof pageId !== 'string' || (token.kind === 'page' && pageId === '')) {
      throw new TypeError('sqliteStore.save: a Page token needs a pageId')
    }
    this.#upsert.run(
      token.appId,
      token.userId,
      pageId,
      token.kind,
      this.#seal(token),
      JSON.stringify(token.info),
      token.savedAt,
      token.info.expiresAt,
    )
  }

  async findUserToken(appId: string, userId: string): Promise<StoredToken | undefined> {
    const row = this.#findUser.get(appId, userId) as Row | undefined
    return row && this.#open(row)
  }

  async findPageToken(appId: string, pageId: string): Promise<StoredToken | undefined> {
    const row = this.#findPage.get(appId, pageId) as Row | undefined
    return row && this.#open(row)
  }

  async listPageTokens(appId: string, userId: string): Promise<StoredToken[]> {
    return (this.#listPages.all(appId, userId) as Row[]).map((row) => this.#open(row))
  }

  /** Deletes the user's token and the Page tokens obtained through it, in one transaction. */
  async deleteUser(appId: string, userId: string): Promise<number> {
    this.#refuseWrite('deleteUser')
    return this.#db.transaction(() => this.#deleteUser.run(appId, userId).changes).immediate()
  }

  /**
   * Re-seals every row that is not sealed with the current key and format (older keys, `enc:v1:`
   * rows, or plain rows admitted by `encryption.allowPlaintext`); returns how many. After it, retired
   * keys can go. Safe while other processes write: rows are read and rewritten in batches of
   * 200 rows, each in one `BEGIN IMMEDIATE` transaction, and each row is rewritten by its
   * identity only if its value is still the one that was read, so a row deleted, replaced or re-created
   * meanwhile is never given an older token.
   */
  async reencrypt(): Promise<number> {
    const cipher = this.#cipher
    if (cipher === undefined) throw new TypeError('sqliteStore.reencrypt: the store has no encryption option')
    this.#refuseWrite('reencrypt')
    const first = this.#db.prepare(`SELECT ${COLUMNS} FROM tokens ORDER BY app_id, user_id, page_id LIMIT ?`)
    const next = this.#db.prepare(
      `SELECT ${COLUMNS} FROM tokens WHERE (app_id, user_id, page_id) > (?, ?, ?)
       ORDER BY app_id, user_id, page_id LIMIT ?`,
    )
    const update = this.#db.prepare(
      'UPDATE tokens SET value = ? WHERE app_id = ? AND user_id = ? AND page_id = ? AND kind = ? AND value = ?',
    )
    let count = 0
    const batch = this.#db.transaction((after: Row | undefined): Row | undefined => {
      const rows = (
        after === undefined
          ? first.all(REENCRYPT_BATCH)
          : next.all(after.app_id, after.user_id, after.page_id, REENCRYPT_BATCH)
      ) as Row[]
      for (const row of rows) {
        if (cipher.isCurrent(row.value)) continue
        const sealed = this.#seal(this.#open(row))
        count += update.run(sealed, row.app_id, row.user_id, row.page_id, row.kind, row.value).changes
      }
      return rows.length === REENCRYPT_BATCH ? rows[rows.length - 1] : undefined
    })
    let after: Row | undefined
    do {
      after = batch.immediate(after)
      if (after !== undefined) await new Promise((resolve) => setImmediate(resolve)) // let writers in
    } while (after !== undefined)
    return count
  }

  /** Closes the database (checkpointing the WAL). */
  close(): void {
    if (this.#db.open) this.#db.close()
  }

  #refuseWrite(method: string): void {
    if (this.#readonly) throw new Error(`sqliteStore.${method}: the store was opened with readonly: true`)
  }

  #seal(token: StoredToken): string {
    return sealStoredValue(this.#cipher, token.value, token)
  }

  /** The row as a token; its value opened for the row's own identity (a value moved here does not open). */
  #open(row: Row): StoredToken {
    const token: StoredToken = {
      kind: row.kind,
      appId: row.app_id,
      userId: row.user_id,
      value: '',
      info: JSON.parse(row.info) as TokenInfo,
      savedAt: row.saved_at,
    }
    if (row.kind === 'page') token.pageId = row.page_id
    token.value = openStoredValue(this.#cipher, row.value, token)
    return token
  }
}

/** Opens the file; a missing file for a read-only store is an error naming it. */
function open(filename: string, timeout: number, readonly: boolean): Database.Database {
  try {
    return new Database(filename, { timeout, readonly, fileMustExist: readonly })
  } catch (error) {
    if (!readonly) throw error
    throw new Error(`sqliteStore: cannot open ${filename} for reading (readonly: true needs an existing file)`, {
      cause: error,
    })
  }
}

/**
 * Opens (creating and migrating as needed) a SQLite {@link TokenStore} for `createTokens`.
 *
 * @example
 * ```ts
 * import { createTokens } from '@tokens/core'
 * import { sqliteStore } from '@tokens/sqlite'
 * const tokens = createTokens({
 *   appId: process.env.META_APP_ID!,
 *   appSecret: process.env.META_APP_SECRET!,
 *   store: sqliteStore({
 *     filename: 'tokens.db',
 *     encryption: { keys: { k1: process.env.TOKEN_KEY! }, currentKeyId: 'k1' },
 *   }),
 * })
 * ```
 */
export function sqliteStore(options: SqliteStoreOptions): SqliteStore {
  return new SqliteStore(options)
}
