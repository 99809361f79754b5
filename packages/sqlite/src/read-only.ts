import type { Database } from 'better-sqlite3'

/**
 * Throws, naming the file, when SQLite cannot write to `db` (a read-only file or directory, a
 * read-only mount, a file format newer than SQLite writes): such a file opens and reads without
 * error, and every write would fail later. The probe writes the schema version back unchanged
 * inside a transaction it rolls back, so it changes nothing.
 */
export function refuseReadOnly(db: Database, filename: string): void {
  try {
    db.transaction(() => {
      db.pragma(`user_version = ${db.pragma('user_version', { simple: true }) as number}`)
      throw ROLLBACK
    }).immediate()
  } catch (error) {
    if (error === ROLLBACK) return
    const code = String((error as { code?: unknown }).code)
    if (!code.startsWith('SQLITE_READONLY')) throw error
    throw new Error(
      `sqliteStore: ${filename} is read-only (${code}): every save would fail. Make the file and its directory writable, or pass readonly: true to open it for reading only`,
      { cause: error },
    )
  }
}

const ROLLBACK = Symbol('rollback')
