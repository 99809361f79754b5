import type { Database } from 'better-sqlite3'

/**
 * The schema, as an append-only list: migration `n` (1-based) takes the database from version
 * `n - 1` to `n`. The version lives in SQLite's `PRAGMA user_version`. Never edit a shipped
 * migration: add a new one.
 */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE tokens (
     app_id     TEXT    NOT NULL,
     user_id    TEXT    NOT NULL,
     page_id    TEXT    NOT NULL DEFAULT '',
     kind       TEXT    NOT NULL CHECK (kind IN ('user', 'page', 'system_user')),
     value      TEXT    NOT NULL,
     info       TEXT    NOT NULL,
     saved_at   INTEGER NOT NULL,
     expires_at INTEGER,
     PRIMARY KEY (app_id, user_id, page_id)
   );
   CREATE INDEX tokens_by_page ON tokens (app_id, page_id, saved_at) WHERE kind = 'page';`,
]

/**
 * The schema version this build of the package writes (`PRAGMA user_version` of the file).
 *
 * @example
 * ```ts
 * import { SCHEMA_VERSION } from '@tokens/sqlite'
 * console.log(`tokens.db schema v${SCHEMA_VERSION}`)
 * ```
 */
export const SCHEMA_VERSION = MIGRATIONS.length

/**
 * Brings `db` up to {@link SCHEMA_VERSION}; refuses a newer schema. The version is read again and every
 * pending migration applied in one `BEGIN IMMEDIATE` transaction, so that processes opening the same
 * new file at once migrate it once: the others wait for the write lock (the connection's busy timeout),
 * then find it up to date.
 */
export function migrate(db: Database): number {
  // Versions only grow: a file already up to date needs no write lock (readers never wait in WAL).
  if (checkedVersion(db) === SCHEMA_VERSION) return SCHEMA_VERSION
  db.transaction(() => {
    for (let version = checkedVersion(db) + 1; version <= SCHEMA_VERSION; version++) {
      db.exec(MIGRATIONS[version - 1] as string)
      db.pragma(`user_version = ${version}`)
    }
  }).immediate()
  return SCHEMA_VERSION
}

/**
 * For a store opened with `readonly: true`, which never migrates: the file must already have this
 * package's schema version.
 */
export function checkSchemaForReading(db: Database, filename: string): void {
  const version = checkedVersion(db)
  if (version < SCHEMA_VERSION) {
    throw new Error(
      `sqliteStore: ${filename} has schema version ${version}, older than this @tokens/sqlite's (${SCHEMA_VERSION}); a read-only store does not migrate: open it once without readonly`,
    )
  }
}

function checkedVersion(db: Database): number {
  const current = db.pragma('user_version', { simple: true }) as number
  if (current > SCHEMA_VERSION) {
    throw new Error(
      `sqliteStore: the database has schema version ${current}, newer than this @tokens/sqlite supports (${SCHEMA_VERSION}); upgrade the package`,
    )
  }
  return current
}
