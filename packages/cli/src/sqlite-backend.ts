import { statSync } from 'node:fs'
import type { EncryptionOptions, StoredTokenKind, TokenInfo } from '@tokens/core'
import { sqliteStore } from '@tokens/sqlite'
import Database from 'better-sqlite3'
import { unavailable, usage } from './failure.js'
import type { StoreBackend, StoreMode } from './store-backend.js'
import { type StoredRow, sealedWith } from './stored-rows.js'

interface Row {
  app_id: string
  user_id: string
  page_id: string
  kind: StoredTokenKind
  value: string
  info: string
  saved_at: number
}

/**
 * A `@tokens/sqlite` file. The store itself (`readonly: true` for reading) checks the file and its
 * schema and opens values; a second connection reads the `tokens` table (the schema of the store's
 * README) to list rows, and deletes one row by compare-and-set on its value for `--prune`.
 */
export async function openSqlite(
  filename: string,
  mode: StoreMode,
  encryption: EncryptionOptions | undefined,
): Promise<StoreBackend> {
  let isFile = false
  try {
    isFile = statSync(filename).isFile()
  } catch {
    throw usage(`--store: no SQLite store at ${filename} (the tool creates none: pass the file your app uses)`)
  }
  if (!isFile) throw usage(`--store: ${filename} is not a file`)
  const readonly = mode === 'read'
  let store: ReturnType<typeof sqliteStore>
  let db: Database.Database
  try {
    store = sqliteStore({ filename, readonly, ...(encryption && { encryption }) })
  } catch (error) {
    throw sqliteError(error, filename)
  }
  try {
    db = new Database(filename, { readonly, fileMustExist: true, timeout: 5000 })
    if (!readonly) db.pragma('secure_delete = ON') // a pruned token does not linger in free pages
  } catch (error) {
    store.close()
    throw sqliteError(error, filename)
  }
  const list = db.prepare('SELECT app_id, user_id, page_id, kind, value, info, saved_at FROM tokens')
  const remove = readonly
    ? undefined
    : db.prepare('DELETE FROM tokens WHERE app_id = ? AND user_id = ? AND page_id = ? AND kind = ? AND value = ?')
  return {
    label: `SQLite ${filename}`,
    store,
    warnings: [],
    async rows() {
      try {
        return (list.all() as Row[]).map(
          (row): StoredRow => ({
            kind: row.kind,
            appId: row.app_id,
            userId: row.user_id,
            pageId: row.kind === 'page' ? row.page_id : undefined,
            info: JSON.parse(row.info) as TokenInfo,
            savedAt: row.saved_at,
            sealedWith: sealedWith(row.value),
            location: filename,
            stored: row.value,
          }),
        )
      } catch (error) {
        throw sqliteError(error, filename)
      }
    },
    async deleteRow(row) {
      if (remove === undefined) throw new TypeError('the store was opened for reading')
      try {
        return remove.run(row.appId, row.userId, row.pageId ?? '', row.kind, row.stored).changes === 1
      } catch (error) {
        throw sqliteError(error, filename)
      }
    },
    async close() {
      if (db.open) db.close()
      store.close()
    },
  }
}

/** SQLite's errors, named for the user: busy is worth a retry, anything else is the file. */
function sqliteError(error: unknown, filename: string): unknown {
  if (error instanceof TypeError) return error
  const code = String((error as { code?: unknown }).code ?? '')
  const message = error instanceof Error ? error.message : String(error)
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return unavailable(`the SQLite store ${filename} is locked by another process (${code}): try again`, error)
  }
  if (code === 'SQLITE_NOTADB') return usage(`--store: ${filename} is not a SQLite database`, error)
  if (message.startsWith('sqliteStore: ')) return usage(`--store: ${message.slice('sqliteStore: '.length)}`, error)
  if (code.startsWith('SQLITE_')) return usage(`--store: ${filename}: ${message} (${code})`, error)
  return error
}
