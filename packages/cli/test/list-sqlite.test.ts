import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { sqliteStore } from '@tokens/sqlite'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { json, tokensCli } from './cli.js'
import {
  ADA,
  APP,
  BAKERY,
  CLUB,
  ENCRYPTION,
  GRACE,
  type Graph,
  KEY,
  LINUS,
  normalise,
  OTHER_KEY,
  type Seeded,
  seedStore,
  startGraph,
  tempDir,
} from './fixture.js'

let graph: Graph
beforeAll(async () => {
  graph = await startGraph()
})
afterAll(() => graph.close())

let temp: ReturnType<typeof tempDir>
let file: string
let seeded: Seeded
beforeEach(async () => {
  temp = tempDir()
  file = join(temp.dir, 'tokens.db')
  const store = sqliteStore({ filename: file })
  seeded = await seedStore(graph, store)
  store.close()
})
afterEach(() => temp.remove())

const shown = (text: string) => normalise(text, { [file]: '<tokens.db>' })

/** The rows left in the file, as (kind, user, Page). */
async function rowsLeft(filename = file, encryption = {}): Promise<string[]> {
  const store = sqliteStore({ filename, readonly: true, ...encryption })
  try {
    const out: string[] = []
    for (const user of [ADA, GRACE, LINUS]) {
      if (await store.findUserToken(APP.id, user)) out.push(`user ${user}`)
      for (const page of await store.listPageTokens(APP.id, user)) out.push(`page ${user} ${page.pageId}`)
    }
    return out
  } finally {
    store.close()
  }
}

describe('tokens list on a SQLite store', () => {
  it('prints every stored token as a table, never a token, and needs no app secret', async () => {
    const run = await tokensCli(['list', '--store', file], {
      env: { TOKENS_NOW: graph.env().TOKENS_NOW as string, NO_COLOR: '1' },
    })
    expect(run.code).toBe(0)
    expect(run.stderr).toBe('')
    expect(shown(run.stdout)).toMatchSnapshot()
  })

  it('--json: the same tokens, with metadata only', async () => {
    const run = await tokensCli(['list', '--json', '--store', file], { env: graph.env() })
    const doc = json<{ tokens: Array<Record<string, unknown>>; checked: boolean }>(run)
    expect(doc.checked).toBe(false)
    expect(doc.tokens.map((t) => [t.kind, t.userId, t.pageId, t.lifetime])).toEqual([
      ['user', ADA, null, 'long'],
      ['page', ADA, BAKERY, 'never'],
      ['page', ADA, CLUB, 'never'],
      ['user', GRACE, null, 'long'],
      ['page', GRACE, CLUB, 'never'],
      ['user', LINUS, null, 'short'],
    ])
    for (const token of doc.tokens) expect(Object.keys(token)).not.toContain('value')
  })

  it('--expiring keeps the tokens that expire within the window', async () => {
    const soon = json<{ tokens: Array<{ userId: string }> }>(
      await tokensCli(['list', '--json', '--expiring', '7d', '--store', file], { env: graph.env() }),
    )
    expect(soon.tokens.map((t) => t.userId)).toEqual([LINUS])
    const later = json<{ tokens: Array<{ userId: string; kind: string }> }>(
      await tokensCli(['list', '--json', '--expiring', '61d', '--store', file], { env: graph.env() }),
    )
    expect(later.tokens.map((t) => `${t.kind} ${t.userId}`)).toEqual([`user ${ADA}`, `user ${GRACE}`, `user ${LINUS}`])
    const none = await tokensCli(['list', '--expiring', '1m', '--store', file], { env: graph.env() })
    expect(shown(none.stdout)).toBe('No tokens expiring within 1m in SQLite <tokens.db>.\n')
    const bad = await tokensCli(['list', '--expiring', 'soon', '--store', file], { env: graph.env() })
    expect(bad.code).toBe(2)
    expect(bad.stderr).toBe("tokens: --expiring: 'soon' is not a duration (e.g. 12h, 7d, 2w)\n")
  })

  it('--check asks Graph about each token through the core and exits 1 when Graph refuses some', async () => {
    graph.emu.invalidateToken(seeded.graceLong, 'password_changed')
    const club = seeded.adaPages.find((page) => page.pageId === CLUB)
    graph.emu.invalidateToken(club?.value ?? '', 'page_role_lost')
    graph.emu.resetCounts()
    const run = await tokensCli(['list', '--check', '--store', file], { env: graph.env() })
    expect(run.code).toBe(1)
    expect(shown(run.stdout)).toMatchSnapshot()
    expect(graph.emu.requestCount('/debug_token')).toBe(6)
  })

  it('--prune --yes deletes exactly the tokens Graph refuses, and keeps the rest', async () => {
    graph.emu.invalidateToken(seeded.graceLong, 'password_changed')
    const club = seeded.adaPages.find((page) => page.pageId === CLUB)
    graph.emu.invalidateToken(club?.value ?? '', 'page_role_lost')
    const run = await tokensCli(['list', '--prune', '--yes', '--store', file], { env: graph.env() })
    expect(run.code).toBe(0)
    expect(shown(run.stdout)).toContain('Deleted 2 of 2 tokens that Graph refuses from SQLite <tokens.db>.')
    expect(await rowsLeft()).toEqual([`user ${ADA}`, `page ${ADA} ${BAKERY}`, `page ${GRACE} ${CLUB}`, `user ${LINUS}`])
    const again = await tokensCli(['list', '--prune', '--yes', '--json', '--store', file], { env: graph.env() })
    expect(again.code).toBe(0)
    expect(json(again).pruned).toEqual([])
  })

  it('--prune without --yes on a stdin that is no terminal: a usage error, nothing deleted', async () => {
    graph.emu.invalidateToken(seeded.graceLong, 'password_changed')
    const run = await tokensCli(['list', '--prune', '--store', file], { env: graph.env(), input: 'y\n' })
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr).toMatch(/^tokens: --prune asks before deleting, and stdin is not a terminal: add --yes/)
    expect(await rowsLeft()).toHaveLength(6)
  })

  it('a missing file, a directory or a file that is not SQLite: a usage error naming it, and no file created', async () => {
    const missing = join(temp.dir, 'nope.db')
    const run = await tokensCli(['list', '--store', missing, '--prune', '--yes'], { env: graph.env() })
    expect(run.code).toBe(2)
    expect(run.stderr).toBe(
      `tokens: --store: no SQLite store at ${missing} (the tool creates none: pass the file your app uses)\n`,
    )
    expect(existsSync(missing)).toBe(false)
    const dir = await tokensCli(['list', '--store', temp.dir], { env: graph.env() })
    expect(dir.stderr).toBe(`tokens: --store: ${temp.dir} is not a file\n`)
    const text = await tokensCli(['list', '--store', join(import.meta.dirname, 'fixture.ts')], { env: graph.env() })
    expect(text.code).toBe(2)
    expect(text.stderr).toMatch(/^tokens: --store: .*fixture\.ts is not a SQLite database\n$/)
  })
})

describe('tokens list on an encrypted SQLite store', () => {
  let sealed: string
  beforeEach(async () => {
    sealed = join(temp.dir, 'sealed.db')
    const store = sqliteStore({ filename: sealed, encryption: ENCRYPTION })
    seeded = await seedStore(graph, store)
    store.close()
  })

  it('lists without the key (metadata is in the clear) and says which key seals each token', async () => {
    const run = await tokensCli(['list', '--json', '--store', sealed], { env: graph.env() })
    expect(run.code).toBe(0)
    const doc = json<{ tokens: Array<{ sealedWith: string }> }>(run)
    expect(doc.tokens.map((t) => t.sealedWith)).toEqual(['k1', 'k1', 'k1', 'k1', 'k1', 'k1'])
  })

  it('--check needs the key: without it a usage error naming the key id', async () => {
    const run = await tokensCli(['list', '--check', '--store', sealed], { env: graph.env() })
    expect(run.code).toBe(2)
    expect(run.stderr).toBe(
      "tokens: the store is encrypted (key 'k1'): pass --key k1:<key> (or TOKENS_KEYS) to check its tokens\n",
    )
  })

  it('--check and --prune with the key (--key or TOKENS_KEYS)', async () => {
    graph.emu.invalidateToken(seeded.graceLong, 'app_removed')
    const check = await tokensCli(['list', '--check', '--json', '--store', sealed, '--key', `k1:${KEY}`], {
      env: graph.env(),
    })
    expect(check.code).toBe(1)
    const states = json<{ tokens: Array<{ state: string; reason?: string }> }>(check).tokens.map(
      (t) => t.reason ?? t.state,
    )
    expect(states).toEqual(['valid', 'valid', 'valid', 'app_not_installed', 'valid', 'valid'])
    const prune = await tokensCli(['list', '--prune', '--yes', '--store', sealed], {
      env: graph.env({ TOKENS_KEYS: `k1:${KEY}` }),
    })
    expect(prune.code).toBe(0)
    expect(await rowsLeft(sealed, { encryption: ENCRYPTION })).not.toContain(`user ${GRACE}`)
  })

  it('a wrong key: the tokens are unreadable, exit 2, nothing deleted', async () => {
    const run = await tokensCli(['list', '--prune', '--yes', '--store', sealed, '--key', `k1:${OTHER_KEY}`], {
      env: graph.env(),
    })
    expect(run.code).toBe(2)
    expect(run.stdout).toContain('does not open with key')
    expect(run.stderr).toBe('6 stored token(s) could not be opened: check --key\n')
    expect(await rowsLeft(sealed, { encryption: ENCRYPTION })).toHaveLength(6)
  })

  it('a key that is not 32 bytes: a usage error naming the flag', async () => {
    const run = await tokensCli(['list', '--check', '--store', sealed, '--key', 'k1:tooshort'], { env: graph.env() })
    expect(run.code).toBe(2)
    expect(run.stderr).toBe('tokens: --key k1 must be 32 bytes (64 hex digits or base64)\n')
  })
})
