import { type ChildProcess, fork } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createTokenCipher, type StoredTokenIdentity, type StoredTokenKind } from '@tokens/core'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { sqliteStore } from '../src/index.js'

const dir = mkdtempSync(join(tmpdir(), 'tokens-sqlite-race-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

interface Row {
  app_id: string
  user_id: string
  page_id: string
  kind: StoredTokenKind
  value: string
}

/** The row a token value was written for, read back from the value (`EAAU-<user>-<n>`, `EAAP-<user>-<page>-<n>`). */
function rowOf(value: string): string {
  const [type, user, page] = value.split('-')
  return type === 'EAAU' ? `user ${user}` : `page ${user} ${page}`
}

/**
 * One round: a writer on the old key (saves, revocations followed by a new login) and an operator's
 * `reencrypt()` loop run in two processes on one file, while this process reads every row. Returns
 * what went wrong, if anything.
 */
async function round(durationMs: number): Promise<{ problems: string[]; operations: number; passes: number }> {
  const filename = join(dir, `race-${randomBytes(4).toString('hex')}.db`)
  const k1 = randomBytes(32).toString('hex')
  const k2 = randomBytes(32).toString('hex')
  sqliteStore({ filename }).close() // created and migrated before either starts
  const cipher = createTokenCipher({ keys: { k1, k2 }, currentKeyId: 'k2' })
  const reader = new Database(filename, { readonly: true })
  const problems = new Set<string>()
  const retired = new Set<string>()

  /** Every row must open for its own identity, hold a token written for it, and not a retired one. */
  const inspect = () => {
    for (const row of reader.prepare('SELECT app_id, user_id, page_id, kind, value FROM tokens').all() as Row[]) {
      const identity: StoredTokenIdentity = { kind: row.kind, appId: row.app_id, userId: row.user_id }
      if (row.kind === 'page') identity.pageId = row.page_id
      const name = row.kind === 'page' ? `page ${row.user_id} ${row.page_id}` : `user ${row.user_id}`
      let value: string
      try {
        value = cipher.open(row.value, identity)
      } catch {
        problems.add(`the row of ${name} holds a value sealed for another row`)
        continue
      }
      if (rowOf(value) !== name) problems.add(`the row of ${name} holds ${value}, the token of ${rowOf(value)}`)
      if (retired.has(value)) problems.add(`the row of ${name} holds ${value}, deleted or replaced before`)
    }
  }

  const done = (child: ChildProcess) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      child.on('message', (message: { done?: boolean; retired?: string[]; problems?: string[] }) => {
        for (const value of message.retired ?? []) retired.add(value)
        for (const problem of message.problems ?? []) problems.add(`the writer saw: ${problem}`)
        if (message.done) resolve(message as Record<string, unknown>)
      })
      child.on('error', reject)
      child.on('exit', (code) => reject(new Error(`a child exited (${code}) before it was done`)))
    })
  const writer = fork(fixture('rotation-writer.mjs'), [filename, k1, k2, String(durationMs)])
  const rotator = fork(fixture('rotation-reencrypt.mjs'), [filename, k1, k2, String(durationMs)])
  const watching = setInterval(inspect, 5)
  try {
    const [written, rotated] = await Promise.all([done(writer), done(rotator)])
    clearInterval(watching)
    inspect()
    for (const error of rotated.errors as string[]) problems.add(`reencrypt() failed: ${error}`)
    // At the end the file holds exactly what the writer last wrote: nothing lost, nothing put back.
    const expected = written.rows as Record<string, string>
    const found: Record<string, string> = {}
    for (const row of reader.prepare('SELECT app_id, user_id, page_id, kind, value FROM tokens').all() as Row[]) {
      const identity = { kind: row.kind, appId: row.app_id, userId: row.user_id, pageId: row.page_id }
      const name = row.kind === 'page' ? `page ${row.user_id} ${row.page_id}` : `user ${row.user_id}`
      try {
        found[name] = cipher.open(row.value, identity)
      } catch {
        found[name] = '(does not open)'
      }
    }
    if (JSON.stringify(found, Object.keys(found).sort()) !== JSON.stringify(expected, Object.keys(expected).sort())) {
      problems.add(`the file ends with ${JSON.stringify(found)}, the writer last wrote ${JSON.stringify(expected)}`)
    }
    return { problems: [...problems], operations: written.operations as number, passes: rotated.passes as number }
  } finally {
    clearInterval(watching)
    reader.close()
    writer.kill()
    rotator.kill()
  }
}

describe('sqliteStore.reencrypt() while other processes write', () => {
  it('never puts a deleted or replaced token back, nor one row’s token into another row', {
    timeout: 60_000,
  }, async () => {
    const problems: string[] = []
    let operations = 0
    let passes = 0
    for (let i = 0; i < 3; i++) {
      const result = await round(2500)
      problems.push(...result.problems.map((p) => `round ${i + 1}: ${p}`))
      operations += result.operations
      passes += result.passes
    }
    // The race was exercised: many writes and many rotations, interleaved.
    expect(operations).toBeGreaterThan(150)
    expect(passes).toBeGreaterThan(30)
    expect(problems.slice(0, 10)).toEqual([])
  })
})
