import { execFileSync, spawnSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { chmodSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { pageToken, userToken } from '@tokens/core/testing'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { sqliteStore } from '../src/index.js'

const dir = mkdtempSync(join(tmpdir(), 'tokens-sqlite-ro-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0
const freshFile = () => join(dir, `ro${++n}.db`)
const key = randomBytes(32)
const encryption = { keys: { k1: key }, currentKeyId: 'k1' }

/** A store file holding a user token and a Page token, closed. */
async function populated() {
  const filename = freshFile()
  const store = sqliteStore({ filename, encryption })
  const tokens = [userToken('42'), pageToken('42', '7')] as const
  for (const t of tokens) await store.save(t)
  store.close()
  return { filename, tokens }
}

/**
 * Marks the file as written by a newer SQLite file format (header byte 18, the "write version", above
 * 2): SQLite then opens it read-only for every user, root included, as it would a file it cannot
 * write. Unlike `chmod 0444`, which root ignores, this holds wherever the tests run.
 */
function markUnwritable(filename: string): void {
  const fd = openSync(filename, 'r+')
  writeSync(fd, Buffer.from([3]), 0, 1, 18)
  closeSync(fd)
}

const digest = (filename: string) => createHash('sha256').update(readFileSync(filename)).digest('hex')
const isRoot = process.getuid?.() === 0
const hasRunuser = isRoot && spawnSync('runuser', ['--help']).status === 0
const fixture = fileURLToPath(new URL('./fixtures/open-store.mjs', import.meta.url))
/**
 * Whether `nobody` can read the fixture: not in a checkout under a directory only root may enter (a
 * `mktemp -d` clone, mode 0700). There the chmod test cannot run (root ignores a chmod) and says so.
 */
const nobodyReaches = hasRunuser && spawnSync('runuser', ['-u', 'nobody', '--', 'test', '-r', fixture]).status === 0
if (hasRunuser && !nobodyReaches) {
  console.warn(`read-only.test.ts: the chmod 0444 test is skipped: user nobody cannot read ${fixture}`)
}

describe('a file the process cannot write', () => {
  it('is refused at startup with a message naming the path, instead of opening and failing every write', async () => {
    const { filename } = await populated()
    markUnwritable(filename)
    expect(() => sqliteStore({ filename, encryption })).toThrow(`sqliteStore: ${filename} is read-only`)
    expect(() => sqliteStore({ filename })).toThrow(/readonly: true/)
  })

  it.skipIf(isRoot && !nobodyReaches)(
    'is refused when made read-only with chmod 0444 (run as nobody when the tests run as root)',
    async () => {
      const { filename } = await populated()
      chmodSync(filename, 0o444)
      let answer: string
      if (isRoot) {
        chmodSync(dir, 0o777) // nobody must reach the file (and create the WAL index next to it)
        answer = execFileSync('runuser', ['-u', 'nobody', '--', process.execPath, fixture, filename]).toString()
      } else answer = execFileSync(process.execPath, [fixture, filename]).toString()
      expect(answer.trim()).toMatch(
        new RegExp(`^sqliteStore: ${filename.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is read-only \\(SQLITE_READONLY`),
      )
    },
  )

  it('opens with readonly: true, and reads', async () => {
    const { filename, tokens } = await populated()
    markUnwritable(filename)
    const store = sqliteStore({ filename, encryption, readonly: true })
    expect(await store.findUserToken('1001', '42')).toEqual(tokens[0])
    expect(await store.listPageTokens('1001', '42')).toEqual([tokens[1]])
    store.close()
  })
})

describe('readonly: true', () => {
  it('reads, and refuses every write with a clear error; the file is left as it was', async () => {
    const { filename, tokens } = await populated()
    const before = digest(filename)
    const store = sqliteStore({ filename, encryption, readonly: true })
    expect(await store.findPageToken('1001', '7')).toEqual(tokens[1])
    const refused = /the store was opened with readonly: true/
    await expect(store.save(userToken('43'))).rejects.toThrow(refused)
    await expect(store.deleteUser('1001', '42')).rejects.toThrow(refused)
    await expect(store.reencrypt()).rejects.toThrow(refused)
    expect(await store.findUserToken('1001', '42')).toEqual(tokens[0])
    store.close()
    expect(digest(filename)).toBe(before)
  })

  it('never migrates: a file without the schema is refused and left without it', () => {
    const filename = freshFile()
    new Database(filename).close() // an empty database file
    expect(() => sqliteStore({ filename, readonly: true })).toThrow(
      /schema version 0, older than .*a read-only store does not migrate/,
    )
    const db = new Database(filename)
    expect(db.pragma('user_version', { simple: true })).toBe(0)
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'tokens'").pluck().get()).toBe(0)
    db.close()
  })

  it('needs an existing file, and does not create one', () => {
    const filename = freshFile()
    expect(() => sqliteStore({ filename, readonly: true })).toThrow(`cannot open ${filename} for reading`)
    expect(existsSync(filename)).toBe(false)
    expect(() => sqliteStore({ filename: ':memory:', readonly: true })).toThrow(TypeError)
    expect(() => sqliteStore({ filename, readonly: 'yes' as unknown as boolean })).toThrow(/'readonly'/)
  })
})
