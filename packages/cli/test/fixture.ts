import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTokens, type EncryptionOptions, type PageToken, type TokenStore, type Tokens } from '@tokens/core'
import { type Emulator, startEmulator } from '@tokens/emulator'
import { leaks } from './cli.js'

/** The emulator's frozen clock: 2025-01-15 12:00 UTC. */
export const START = Date.parse('2025-01-15T12:00:00Z') / 1000

export const APP = { id: '1000000000000001', secret: 'cli0test0secret0a1b2c3d4e5f6a7b8', name: 'Tokens CLI Test' }
export const ADA = '2000000000000001'
export const GRACE = '2000000000000002'
export const LINUS = '2000000000000003'
export const BAKERY = '3000000000000001'
export const CLUB = '3000000000000002'

/** A key of an encrypted store (never printed: the leak check watches it). */
export const KEY = 'a'.repeat(16) + 'b'.repeat(16) + 'c'.repeat(16) + 'd'.repeat(16)
export const OTHER_KEY = '0123456789abcdef'.repeat(4)
leaks.remember(KEY)
leaks.remember(OTHER_KEY)
export const ENCRYPTION: EncryptionOptions = { keys: { k1: KEY }, currentKeyId: 'k1' }

/** A frozen emulator with the test app, three users and two Pages. */
export interface Graph {
  emu: Emulator
  /** The environment of the binary: the app, the emulator, its clock, no colour. */
  env(extra?: Record<string, string>): Record<string, string>
  /** The core of the test itself (the app's server), on the emulator's clock. */
  core(store?: TokenStore): Tokens
  close(): Promise<void>
}

export async function startGraph(): Promise<Graph> {
  const emu = await startEmulator({ now: START, freezeClock: true })
  emu.createApp({ id: APP.id, secret: APP.secret, name: APP.name })
  emu.createUser({ id: ADA, name: 'Ada Lovelace' })
  emu.createUser({ id: GRACE, name: 'Grace Hopper' })
  emu.createUser({ id: LINUS, name: 'Linus' })
  emu.createPage({ id: BAKERY, name: 'Lovelace Bakery', admins: [ADA] })
  emu.createPage({ id: CLUB, name: 'Engine Club', admins: [ADA, GRACE] })
  const cores: Tokens[] = []
  return {
    emu,
    env: (extra = {}) => ({
      META_APP_ID: APP.id,
      META_APP_SECRET: APP.secret,
      META_GRAPH_URL: emu.url,
      TOKENS_NOW: String(emu.now() * 1000),
      NO_COLOR: '1',
      ...extra,
    }),
    core(store) {
      const core = createTokens({
        appId: APP.id,
        appSecret: APP.secret,
        graphUrl: emu.url,
        clock: () => emu.now() * 1000,
        ...(store && { store }),
      })
      cores.push(core)
      return core
    },
    async close() {
      for (const core of cores) await core.close().catch(() => undefined)
      await emu.close()
    },
  }
}

/** What {@link seedStore} put in the store, to act on it. */
export interface Seeded {
  adaLong: string
  adaPages: PageToken[]
  graceLong: string
  linusShort: string
}

/**
 * Fills a store the way an app does: Ada logs in (long-lived token, two Page tokens), Grace logs in
 * (long-lived token, one Page token), Linus's short-lived token is saved as is. Every save goes
 * through the core and the store package.
 */
export async function seedStore(graph: Graph, store: TokenStore): Promise<Seeded> {
  const { emu } = graph
  const core = graph.core(store)
  const scopes = ['public_profile', 'pages_show_list', 'pages_manage_posts']
  const ada = await core.verify(emu.issueUserToken({ appId: APP.id, userId: ADA, scopes, lifetime: 'short' }), {
    type: 'user',
  })
  const adaLong = await core.exchangeForLongLived(ada)
  const adaPages = await core.pageTokens(adaLong)
  const grace = await core.verify(emu.issueUserToken({ appId: APP.id, userId: GRACE, scopes, lifetime: 'short' }), {
    type: 'user',
  })
  const graceLong = await core.exchangeForLongLived(grace)
  await core.pageTokens(graceLong)
  const linusShort = emu.issueUserToken({ appId: APP.id, userId: LINUS, scopes: ['public_profile'], lifetime: 'short' })
  const linus = await core.verify(linusShort, { type: 'user' })
  await store.save({
    kind: 'user',
    appId: APP.id,
    userId: LINUS,
    value: linusShort,
    info: linus.toInfo(),
    savedAt: emu.now() * 1000,
  })
  return { adaLong: adaLong.value, adaPages, graceLong: graceLong.value, linusShort }
}

/** A temporary directory, removed by the returned function. */
export function tempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'tokens-cli-'))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Output with what differs between runs (temporary paths, ports) replaced by names. */
export function normalise(text: string, replacements: Record<string, string>): string {
  let out = text
  for (const [from, to] of Object.entries(replacements)) out = out.split(from).join(to)
  return out
}
