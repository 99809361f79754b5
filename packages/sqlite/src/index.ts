export { SCHEMA_VERSION } from './migrations.js'
export { SqliteStore, type SqliteStoreOptions, sqliteStore } from './sqlite-store.js'
