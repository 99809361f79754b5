// SQLite and Redis stores, ESM: a long-lived exchange and the Page tokens saved (encrypted) and read
// back by a second core, as after a restart; Redis also as the shared verification cache.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTokens, type TokenStore, type VerificationCache } from '@tokens/core'
import { type Emulator, startEmulator } from '@tokens/emulator'
import { redisCache, redisStore } from '@tokens/redis'
import { sqliteStore } from '@tokens/sqlite'

const encryption = { keys: { k1: randomBytes(32).toString('base64') }, currentKeyId: 'k1' }

async function roundTrip(name: string, emu: Emulator, open: () => { store: TokenStore; cache?: VerificationCache }) {
  const fb = emu.createApp({ name })
  const ada = emu.createUser({ name: 'Ada Lovelace' })
  const page = emu.createPage({ name: 'Ada Bakery', admins: [ada.id] })
  const raw = emu.issueUserToken({ appId: fb.id, userId: ada.id, scopes: ['pages_show_list'] })

  const first = createTokens({ appId: fb.id, appSecret: fb.secret, graphUrl: emu.url, ...open() })
  const short = await first.verify(raw, { type: 'user' })
  assert.equal(short.lifetime, 'short')
  const long = await first.exchangeForLongLived(short)
  assert.equal(long.lifetime, 'long')
  const pages = await first.pageTokens(long)
  assert.deepEqual(
    pages.map((p) => p.pageId),
    [page.id],
  )
  await first.close()

  const { store, cache } = open()
  const second = createTokens({ appId: fb.id, appSecret: fb.secret, graphUrl: emu.url, store, ...(cache && { cache }) })
  const saved = await store.findUserToken(fb.id, ada.id)
  assert.equal(saved?.value, long.value, `${name}: the long-lived token, read back`)
  assert.equal((await store.findPageToken(fb.id, page.id))?.value, pages[0]?.value)
  await second.revokeUser(ada.id)
  assert.equal(await store.findUserToken(fb.id, ada.id), undefined, `${name}: revoked`)
  assert.equal(await store.findPageToken(fb.id, page.id), undefined, `${name}: the user's Page token, revoked`)
  await second.close()
  console.log(`ok ${name}`)
}

async function main(): Promise<void> {
  const emu = await startEmulator()
  const dir = mkdtempSync(join(tmpdir(), 'tokens-consumer-sqlite-'))
  try {
    const filename = join(dir, 'tokens.db')
    await roundTrip('sqlite', emu, () => ({ store: sqliteStore({ filename, encryption }) }))
    const url = process.env.REDIS_URL
    if (url === undefined) console.log('note: REDIS_URL is not set, the Redis store was not tried')
    else {
      await roundTrip('redis', emu, () => ({
        store: redisStore({ url, encryption }),
        cache: redisCache({ url }),
      }))
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
    await emu.close()
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
