import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTokens, type TokenStore } from '@tokens/core'
import { type Emulator, startEmulator } from '@tokens/emulator'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { sqliteStore } from '../src/index.js'

let emu: Emulator
const dir = mkdtempSync(join(tmpdir(), 'tokens-sqlite-core-'))
beforeAll(async () => {
  emu = await startEmulator({ port: 0, now: 1_750_000_000, freezeClock: true })
})
afterAll(async () => {
  await emu.close()
  rmSync(dir, { recursive: true, force: true })
})

it('keeps what the core acquires across restarts, encrypted, and forgets it on revokeUser', async () => {
  const app = emu.createApp({ name: 'SQLite App' })
  const user = emu.createUser({ name: 'Ada' })
  const pages = [1, 2].map((i) => emu.createPage({ name: `Page ${i}`, admins: [user.id] }))
  const filename = join(dir, 'app.db')
  const encryption = { keys: { k1: randomBytes(32) }, currentKeyId: 'k1' }
  const start = (store: TokenStore) =>
    createTokens({
      ...emu.coreOptions(app),
      retries: 0,
      store,
    })

  const first = start(sqliteStore({ filename, encryption }))
  const short = await first.verify(
    emu.issueUserToken({ appId: app.id, userId: user.id, scopes: ['pages_show_list'], lifetime: 'short' }),
    {
      type: 'user',
    },
  )
  const long = await first.exchangeForLongLived(short)
  const pageTokens = await first.pageTokens(long)
  expect(pageTokens.map((t) => t.pageId).sort()).toEqual(pages.map((p) => p.id).sort())
  await first.close()

  // A restart: the Page tokens come from the file, not from Graph.
  const store = sqliteStore({ filename, encryption })
  const second = start(store)
  const calls = emu.requestCount('/me/accounts')
  expect((await second.pageTokens(long)).map((t) => t.value).sort()).toEqual(pageTokens.map((t) => t.value).sort())
  expect(emu.requestCount('/me/accounts')).toBe(calls)
  expect((await store.findUserToken(app.id, user.id))?.value).toBe(long.value)
  const bytes = readFileSync(filename).toString('latin1') + readFileSync(`${filename}-wal`).toString('latin1')
  for (const t of [long, ...pageTokens]) expect(bytes).not.toContain(t.value)

  await second.revokeUser(user.id)
  expect(await store.findUserToken(app.id, user.id)).toBeUndefined()
  expect(await store.listPageTokens(app.id, user.id)).toEqual([])
  await second.close()
})
