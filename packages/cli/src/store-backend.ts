import type { EncryptionOptions, TokenStore } from '@tokens/core'
import { usage } from './failure.js'
import type { StoreSpec } from './store-spec.js'
import type { StoredRow } from './stored-rows.js'

/** `read` opens what exists for reading only; `write` also lets the tool save and delete. */
export type StoreMode = 'read' | 'write'

/**
 * A store as the tool uses it: the store package's own {@link TokenStore} (the core and the tool read,
 * save and revoke through it), plus what the stores do not offer yet: listing every token, and
 * deleting one token (`--prune`), both through the store's documented layout.
 */
export interface StoreBackend {
  /** `SQLite tokens.db`, `Redis redis://127.0.0.1:6379 (prefix tokens:)`. */
  readonly label: string
  readonly store: TokenStore
  /** Every stored token, metadata only. */
  rows(): Promise<StoredRow[]>
  /** Deletes the row if it still holds the value that was listed; `false` if it changed or went. */
  deleteRow(row: StoredRow): Promise<boolean>
  /** Warnings of the store (a Redis that may evict keys). */
  readonly warnings: readonly string[]
  close(): Promise<void>
}

/** Opens the store `spec` names, loading only the package it needs. */
export async function openStore(
  spec: StoreSpec,
  mode: StoreMode,
  encryption: EncryptionOptions | undefined,
  timeoutMs: number,
): Promise<StoreBackend> {
  try {
    if (spec.type === 'sqlite') {
      const { openSqlite } = await import('./sqlite-backend.js')
      return await openSqlite(spec.filename, mode, encryption)
    }
    const { openRedis } = await import('./redis-backend.js')
    return await openRedis(spec, encryption, timeoutMs)
  } catch (error) {
    throw asKeyError(error)
  }
}

/** A store's `TypeError` about `encryption.*`, reworded with the flag that sets it. */
function asKeyError(error: unknown): unknown {
  if (!(error instanceof TypeError) || !error.message.includes('encryption.')) return error
  const message = error.message
    .replace(/encryption\.keys\.([\w-]+)/, '--key $1')
    .replace('encryption.currentKeyId must name one of encryption.keys', '--current-key must name one of the --key ids')
    .replace(/encryption\.keys: /, '--key: ')
  return usage(message, error)
}
