import type { StoredTokenKind, TokenInfo, TokenStore } from '@tokens/core'

/**
 * One stored token as a listing sees it: identity and metadata, never its value in the clear.
 * `stored` is the value as the store keeps it (sealed or not), used only to delete a row if it is
 * still the one that was listed; it is never printed.
 */
export interface StoredRow {
  kind: StoredTokenKind
  appId: string
  userId: string
  pageId: string | undefined
  info: TokenInfo
  savedAt: number
  /** The id of the key the value is sealed with, `null` when it is stored in the clear. */
  sealedWith: string | null
  /** Where the row lives in its store (a Redis key), for deletion. */
  location: string
  stored: string
}

/** The key id of a sealed value (`enc:v2:<keyId>:…`), or `null` for a plain one. */
export function sealedWith(stored: string): string | null {
  const match = /^enc:v\d+:([^:]+):/.exec(stored)
  return match === null ? null : (match[1] as string)
}

/** The order of a listing: app, user, the user's own token before the Page tokens, then Page. */
export function compareRows(a: StoredRow, b: StoredRow): number {
  return (
    a.appId.localeCompare(b.appId) ||
    a.userId.localeCompare(b.userId) ||
    Number(a.kind === 'page') - Number(b.kind === 'page') ||
    (a.pageId ?? '').localeCompare(b.pageId ?? '')
  )
}

/**
 * The raw value of each row, opened by the store itself (its decryption, its checks that a value
 * belongs to its row): one lookup per user. A row the store cannot open gets the store's error; a
 * row gone since the listing gets `undefined`.
 */
export async function openValues(
  store: TokenStore,
  rows: readonly StoredRow[],
): Promise<Map<StoredRow, string | Error | undefined>> {
  const values = new Map<StoredRow, string | Error | undefined>()
  const users = new Map<string, StoredRow[]>()
  for (const row of rows) {
    const key = JSON.stringify([row.appId, row.userId])
    users.set(key, [...(users.get(key) ?? []), row])
  }
  for (const group of users.values()) {
    const first = group[0] as StoredRow
    const own = group.filter((row) => row.kind !== 'page')
    const pages = group.filter((row) => row.kind === 'page')
    if (own.length > 0) {
      const found = await store.findUserToken(first.appId, first.userId).catch((error: unknown) => asError(error))
      for (const row of own) values.set(row, found instanceof Error ? found : found?.value)
    }
    if (pages.length > 0) {
      const found = await store.listPageTokens(first.appId, first.userId).catch((error: unknown) => asError(error))
      for (const row of pages) {
        values.set(row, found instanceof Error ? found : found.find((token) => token.pageId === row.pageId)?.value)
      }
    }
  }
  return values
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}
