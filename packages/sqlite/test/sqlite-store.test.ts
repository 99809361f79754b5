import { type ChildProcess, fork } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describeStoreConformance, pageToken, userToken } from '@tokens/core/testing'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { SCHEMA_VERSION, sqliteStore } from '../src/index.js'

const dir = mkdtempSync(join(tmpdir(), 'tokens-sqlite-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0
const freshFile = () => join(dir, `t${++n}.db`)

let file = freshFile()
/** Runs `f` on a connection of its own to the test's file, as another program with access to it would. */
function behindTheStore<T>(f: (db: Database.Database) => T): T {
  const db = new Database(file)
  try {
    return f(db)
  } finally {
    db.close()
  }
}
const WHERE_ROW = 'app_id = ? AND user_id = ? AND page_id = ?'
describeStoreConformance('sqliteStore', {
  persistent: true,
  open: (options) => sqliteStore({ filename: file, ...options }),
  reset() {
    file = freshFile()
  },
  raw: {
    read: (row) =>
      behindTheStore(
        (db) =>
          db
            .prepare(`SELECT value FROM tokens WHERE ${WHERE_ROW}`)
            .pluck()
            .get(row.appId, row.userId, row.pageId ?? '') as string | undefined,
      ),
    write(row, value) {
      const { changes } = behindTheStore((db) =>
        db
          .prepare(`UPDATE tokens SET value = ? WHERE ${WHERE_ROW}`)
          .run(value, row.appId, row.userId, row.pageId ?? ''),
      )
      if (changes !== 1) throw new Error('no such row')
    },
  },
})

describe('sqliteStore', () => {
  it('creates the schema, versioned, in WAL mode, and reopens without migrating again', async () => {
    const filename = freshFile()
    const store = sqliteStore({ filename })
    await store.save(userToken('42'))
    store.close()
    const db = new Database(filename)
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    const columns = db.prepare('PRAGMA table_info(tokens)').all() as Array<{ name: string; type: string }>
    expect(columns.find((c) => c.name === 'value')?.type).toBe('TEXT')
    db.close()
    const again = sqliteStore({ filename })
    expect(await again.findUserToken('1001', '42')).toBeDefined()
    again.close()
  })

  it('refuses a database migrated by a newer version of the package', () => {
    const filename = freshFile()
    const db = new Database(filename)
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`)
    db.close()
    expect(() => sqliteStore({ filename })).toThrow(/newer than this @tokens\/sqlite supports/)
  })

  it('refuses bad options with the option named', () => {
    expect(() => sqliteStore({ filename: '' })).toThrow(/filename/)
    expect(() => sqliteStore({ filename: ':memory:', busyTimeoutMs: -1 })).toThrow(/busyTimeoutMs/)
    expect(() =>
      sqliteStore({ filename: ':memory:', encryption: { keys: { k: 'short' }, currentKeyId: 'k' } }),
    ).toThrow(/encryption.keys.k/)
  })

  it('with encryption, the database file never contains a raw token', async () => {
    const filename = freshFile()
    const store = sqliteStore({ filename, encryption: { keys: { k1: randomBytes(32) }, currentKeyId: 'k1' } })
    const user = userToken('42', `EAAU${randomBytes(40).toString('hex')}`)
    const page = pageToken('42', '7', `EAAP${randomBytes(4096).toString('hex')}`)
    await store.save(user)
    await store.save(page)
    expect((await store.findPageToken('1001', '7'))?.value).toBe(page.value)
    // Before closing, the rows are in the WAL; check it too, then checkpoint and check the file.
    const bytes = () =>
      [filename, `${filename}-wal`].map((f) => {
        try {
          return readFileSync(f).toString('latin1')
        } catch {
          return ''
        }
      })
    for (const content of bytes()) {
      expect(content).not.toContain(user.value)
      expect(content).not.toContain(page.value.slice(0, 64))
    }
    store.close()
    const [main] = bytes()
    expect(main).toContain('pages_show_list') // the metadata is there, in the clear: the check can fail
    expect(main).not.toContain(user.value)
    expect(main).not.toContain(page.value.slice(0, 64))

    const plainFile = freshFile()
    const plain = sqliteStore({ filename: plainFile })
    await plain.save(user)
    plain.close()
    expect(readFileSync(plainFile).toString('latin1')).toContain(user.value) // the same check sees a raw token
  })

  it('deleteUser leaves no trace of the deleted tokens in the file', async () => {
    const filename = freshFile()
    const store = sqliteStore({ filename })
    const user = userToken('42')
    const page = pageToken('42', '7')
    const kept = userToken('43')
    for (const t of [user, page, kept]) await store.save(t)
    expect(await store.deleteUser('1001', '42')).toBe(2)
    store.close()
    const bytes = readFileSync(filename).toString('latin1')
    expect(bytes).toContain(kept.value)
    expect(bytes).not.toContain(user.value)
    expect(bytes).not.toContain(page.value)
  })

  it('reencrypt() re-seals rows of retired keys, and plain rows allowPlaintext admits, so the old key can go', async () => {
    const filename = freshFile()
    const k1 = randomBytes(32)
    const k2 = randomBytes(32)
    const plain = sqliteStore({ filename })
    const legacy = userToken('41')
    await plain.save(legacy)
    plain.close()
    const old = sqliteStore({ filename, encryption: { keys: { k1 }, currentKeyId: 'k1' } })
    const tokens = [userToken('42'), pageToken('42', '7'), pageToken('43', '7')]
    for (const t of tokens) await old.save(t)
    old.close()
    const rotated = sqliteStore({
      filename,
      encryption: { keys: { k1, k2 }, currentKeyId: 'k2', allowPlaintext: true },
    })
    await rotated.save(tokens[0]!)
    expect(await rotated.reencrypt()).toBe(3)
    expect(await rotated.reencrypt()).toBe(0)
    rotated.close()
    const onlyK2 = sqliteStore({ filename, encryption: { keys: { k2 }, currentKeyId: 'k2' } })
    expect(await onlyK2.findUserToken('1001', '41')).toEqual(legacy)
    expect(await onlyK2.findPageToken('1001', '7')).toEqual(tokens[2])
    expect(await onlyK2.listPageTokens('1001', '42')).toEqual([tokens[1]])
    onlyK2.close()
    expect(readFileSync(filename).toString('latin1')).not.toContain(legacy.value)
    await expect(sqliteStore({ filename: ':memory:' }).reencrypt()).rejects.toThrow(/no encryption/)
  })

  it('reencrypt() goes through a table larger than one batch, each row once', async () => {
    const filename = freshFile()
    const k1 = randomBytes(32)
    const k2 = randomBytes(32)
    const old = sqliteStore({ filename, encryption: { keys: { k1 }, currentKeyId: 'k1' } })
    const tokens = Array.from({ length: 450 }, (_, i) =>
      i % 3 === 0 ? userToken(`u${i}`) : pageToken(`u${i % 7}`, `p${i}`),
    )
    for (const t of tokens) await old.save(t)
    old.close()
    const rotated = sqliteStore({ filename, encryption: { keys: { k1, k2 }, currentKeyId: 'k2' } })
    expect(await rotated.reencrypt()).toBe(450)
    expect(await rotated.reencrypt()).toBe(0)
    rotated.close()
    const onlyK2 = sqliteStore({ filename, encryption: { keys: { k2 }, currentKeyId: 'k2' } })
    for (const t of tokens.filter((t) => t.kind === 'user'))
      expect(await onlyK2.findUserToken('1001', t.userId)).toEqual(t)
    for (let u = 0; u < 7; u++) {
      expect(await onlyK2.listPageTokens('1001', `u${u}`)).toHaveLength(
        tokens.filter((t) => t.kind === 'page' && t.userId === `u${u}`).length,
      )
    }
    onlyK2.close()
  })

  it('lets several processes open the same new file at the same moment: one migrates, all write', async () => {
    const script = fileURLToPath(new URL('./fixtures/open-and-save.mjs', import.meta.url))
    const children = Array.from({ length: 6 }, (_, i) => fork(script, [`u${i}`]))
    const answer = (child: ChildProcess) =>
      new Promise<string>((resolve, reject) => {
        const onMessage = (message: unknown) => {
          child.off('exit', onExit)
          resolve(String(message))
        }
        const onExit = (code: number | null) => {
          child.off('message', onMessage)
          reject(new Error(`a child exited (${code}) without an answer`))
        }
        child.once('message', onMessage)
        child.once('exit', onExit)
      })
    try {
      expect(await Promise.all(children.map(answer))).toEqual(children.map(() => 'ready'))
      for (let round = 0; round < 3; round++) {
        const filename = freshFile()
        const answers = children.map(answer)
        for (const child of children) child.send(filename) // each child opens it on receipt: all at once
        expect(await Promise.all(answers)).toEqual(children.map(() => 'saved'))
        const store = sqliteStore({ filename })
        for (let i = 0; i < children.length; i++) {
          expect((await store.findUserToken('1', `u${i}`))?.value).toBe(`EAAU-u${i}`)
        }
        store.close()
        const db = new Database(filename)
        expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
        expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
        db.close()
      }
    } finally {
      for (const child of children) child.kill()
    }
  })

  for (const encrypted of [false, true]) {
    it(`loses no committed token when the writing process is killed mid-write${encrypted ? ' (encrypted)' : ''}`, async () => {
      const filename = freshFile()
      const key = randomBytes(32).toString('hex')
      const child = fork(fileURLToPath(new URL('./fixtures/write-loop.mjs', import.meta.url)), [
        filename,
        ...(encrypted ? [key] : []),
      ])
      const committed: number[] = []
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.on('exit', (_code, signal) => resolve(signal)),
      )
      await new Promise<void>((resolve, reject) => {
        child.on('error', reject)
        child.on('exit', (code) => reject(new Error(`the writer exited by itself (${code})`)))
        child.on('message', (i) => {
          committed.push(i as number)
          if (committed.length === 300) {
            child.kill('SIGKILL') // while it is in the middle of its next write
            resolve()
          }
        })
      })
      expect(await exited).toBe('SIGKILL')
      const store = sqliteStore({
        filename,
        ...(encrypted ? { encryption: { keys: { k: key }, currentKeyId: 'k' } } : {}),
      })
      const missing: number[] = []
      for (const i of committed) {
        const found = await store.findUserToken('1', String(i))
        if (found?.value !== `EAAU${i}-${'x'.repeat(8 * 1024)}`) missing.push(i)
      }
      store.close()
      expect(missing).toEqual([])
    })
  }
})
