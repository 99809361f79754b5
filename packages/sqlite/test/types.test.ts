import type { TokenStore } from '@tokens/core'
import { expectTypeOf, it } from 'vitest'
import { type SqliteStore, type SqliteStoreOptions, sqliteStore } from '../src/index.js'

it('is a TokenStore, with typed options', () => {
  expectTypeOf(sqliteStore).returns.toEqualTypeOf<SqliteStore>()
  expectTypeOf<SqliteStore>().toExtend<TokenStore>()
  expectTypeOf<SqliteStore['reencrypt']>().returns.resolves.toBeNumber()
  expectTypeOf<SqliteStoreOptions>().toHaveProperty('filename').toBeString()
  // @ts-expect-error filename is required
  const missing: SqliteStoreOptions = {}
  void missing
})
