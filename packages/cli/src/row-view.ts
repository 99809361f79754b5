import { tokenFromInfo } from '@tokens/core'
import { formatTime, formatWhen, isoOrNull } from './clock.js'
import type { Colors } from './output.js'
import type { StoredRow } from './stored-rows.js'

/** What Graph said of a stored token, when `--check` asked. */
export type Verdict =
  | { state: 'valid'; fingerprint: string }
  | { state: 'invalid'; fingerprint: string; reason: string; description: string }
  | { state: 'unreadable'; reason: string }
  | { state: 'gone' }

/** How long the stored token lives, as the core computes it from what Graph said. */
export function lifetimeOf(row: StoredRow): string {
  return tokenFromInfo('stored', row.info).lifetime
}

/** A stored token as `--json` prints it: metadata, never the value. */
export function rowJson(row: StoredRow, verdict: Verdict | undefined): Record<string, unknown> {
  const json: Record<string, unknown> = {
    kind: row.kind,
    appId: row.appId,
    userId: row.userId,
    pageId: row.pageId ?? null,
    lifetime: lifetimeOf(row),
    scopes: row.info.scopes,
    issuedAt: isoOrNull(row.info.issuedAt),
    expiresAt: isoOrNull(row.info.expiresAt),
    dataAccessExpiresAt: isoOrNull(row.info.dataAccessExpiresAt),
    savedAt: isoOrNull(row.savedAt),
    sealedWith: row.sealedWith,
  }
  if (verdict !== undefined) {
    json.valid = verdict.state === 'valid'
    json.state = verdict.state
    if ('fingerprint' in verdict) json.fingerprint = verdict.fingerprint
    if ('reason' in verdict) json.reason = verdict.reason
  }
  return json
}

const SOON_MS = 7 * 86_400_000

/** The cells of a stored token in the listing's table. */
export function rowCells(
  row: StoredRow,
  verdict: Verdict | undefined,
  now: number,
  c: Colors,
  withApp: boolean,
): string[] {
  const expiresAt = row.info.expiresAt
  let expires = formatWhen(expiresAt, now)
  if (expiresAt !== null && expiresAt <= now) expires = c.red(expires)
  else if (expiresAt !== null && expiresAt - now <= SOON_MS) expires = c.yellow(expires)
  const cells = [row.kind, row.userId, row.pageId ?? '—', lifetimeOf(row), expires, formatTime(row.savedAt)]
  if (withApp) cells.unshift(row.appId)
  if (verdict !== undefined) {
    switch (verdict.state) {
      case 'valid':
        cells.push(c.green('yes'), '')
        break
      case 'invalid':
        cells.push(c.red('no'), verdict.reason)
        break
      case 'unreadable':
        cells.push(c.yellow('?'), verdict.reason)
        break
      case 'gone':
        cells.push('—', 'deleted meanwhile')
        break
      default: {
        const unknown: never = verdict
        throw new TypeError(`unknown verdict ${String(unknown)}`)
      }
    }
  }
  return cells
}

/** The table's heading, matching {@link rowCells}. */
export function rowHead(checked: boolean, withApp: boolean): string[] {
  const head = ['KIND', 'USER', 'PAGE', 'LIFETIME', 'EXPIRES', 'SAVED']
  if (withApp) head.unshift('APP')
  if (checked) head.push('VALID', 'REASON')
  return head
}
