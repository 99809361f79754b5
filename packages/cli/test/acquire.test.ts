import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { sqliteStore } from '@tokens/sqlite'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { json, tokensCli } from './cli.js'
import { ADA, APP, BAKERY, CLUB, GRACE, type Graph, normalise, startGraph, tempDir } from './fixture.js'

let graph: Graph
beforeAll(async () => {
  graph = await startGraph()
})
afterAll(() => graph.close())

let temp: ReturnType<typeof tempDir>
let file: string
beforeEach(() => {
  temp = tempDir()
  file = join(temp.dir, 'tokens.db')
  sqliteStore({ filename: file }).close() // an app's (empty) store
})
afterEach(() => temp.remove())

const scopes = ['public_profile', 'pages_show_list', 'pages_manage_posts']
const shortToken = (userId = ADA) => graph.emu.issueUserToken({ appId: APP.id, userId, scopes, lifetime: 'short' })
const fingerprints = (text: string) => text.replace(/sha256 [0-9a-f]{12}/g, 'sha256 <fingerprint>')

describe('tokens exchange', () => {
  it('exchanges a short-lived token for a long-lived one through the core and saves it with --save', async () => {
    const run = await tokensCli(['exchange', '--save', '--store', file], { env: graph.env(), input: shortToken() })
    expect(run.code).toBe(0)
    expect(fingerprints(normalise(run.stdout, { [file]: '<tokens.db>' }))).toMatchSnapshot()
    const store = sqliteStore({ filename: file, readonly: true })
    const saved = await store.findUserToken(APP.id, ADA)
    store.close()
    expect(saved?.info.expiresAt).toBe((graph.emu.now() + 5183944) * 1000)
    const debug = await tokensCli(['debug', '--json'], { env: graph.env(), input: saved?.value ?? '' })
    expect(json(debug)).toMatchObject({ valid: true, lifetime: 'long', userId: ADA })
  })

  it('without --save or --output the new token is not kept, and says so; --output writes it (mode 600)', async () => {
    const bare = await tokensCli(['exchange'], { env: graph.env(), input: shortToken() })
    expect(bare.code).toBe(0)
    expect(bare.stdout).toContain('The long-lived token was not kept: add --save or --output <file>.')
    const out = join(temp.dir, 'long.token')
    const written = await tokensCli(['exchange', '--json', '--output', out], { env: graph.env(), input: shortToken() })
    expect(json(written)).toMatchObject({ type: 'user', lifetime: 'long', writtenTo: out, savedTo: null })
    expect(statSync(out).mode & 0o777).toBe(0o600)
    const raw = readFileSync(out, 'utf8').trim()
    const debug = await tokensCli(['debug', '--json'], { env: graph.env(), input: raw })
    expect(json(debug)).toMatchObject({ valid: true, lifetime: 'long', fingerprint: json(written).fingerprint })
    const again = await tokensCli(['exchange', '--output', out], { env: graph.env(), input: shortToken() })
    expect(again.code).toBe(2)
    expect(again.stderr).toBe(`tokens: --output: ${out} exists (the tool never overwrites a file)\n`)
  })

  it('a Page token, an expired token, --save without --store: refused, nothing written', async () => {
    const page = graph.emu.issuePageToken({ appId: APP.id, userId: ADA, pageId: BAKERY, lifetime: 'long' })
    const wrongType = await tokensCli(['exchange', '--save', '--store', file], { env: graph.env(), input: page })
    expect(wrongType.code).toBe(2)
    expect(wrongType.stderr).toBe('tokens: tokens exchange needs a user or system user token (see tokens debug)\n')
    const expired = shortToken()
    graph.emu.advanceTime(3 * 3600)
    const late = await tokensCli(['exchange', '--save', '--store', file], { env: graph.env(), input: expired })
    expect(late.code).toBe(1)
    expect(late.stderr).toBe('tokens: The access token has expired (expired)\n')
    const noStore = await tokensCli(['exchange', '--save'], { env: graph.env(), input: shortToken() })
    expect(noStore.code).toBe(2)
    expect(noStore.stderr).toBe('tokens: --save needs --store <SQLite file | redis:// URL> (or TOKENS_STORE)\n')
    const store = sqliteStore({ filename: file, readonly: true })
    expect(await store.findUserToken(APP.id, ADA)).toBeUndefined()
    store.close()
  })
})

describe('tokens pages', () => {
  it("lists the user's Page tokens with their tasks, redacted, and saves them with --save", async () => {
    const user = graph.emu.issueUserToken({ appId: APP.id, userId: ADA, scopes, lifetime: 'long' })
    const run = await tokensCli(['pages', '--save', '--store', file], { env: graph.env(), input: user })
    expect(run.code).toBe(0)
    expect(fingerprints(normalise(run.stdout, { [file]: '<tokens.db>' }))).toMatchSnapshot()
    const store = sqliteStore({ filename: file, readonly: true })
    expect((await store.listPageTokens(APP.id, ADA)).map((t) => t.pageId).sort()).toEqual([BAKERY, CLUB])
    store.close()
    const doc = json<{ pages: Array<{ pageId: string; tasks: string[] }> }>(
      await tokensCli(['pages', '--json'], { env: graph.env(), input: user }),
    )
    expect(doc.pages.map((p) => p.pageId)).toEqual([BAKERY, CLUB])
    expect(doc.pages[0]?.tasks.length).toBeGreaterThan(0)
  })

  it('a user without pages_show_list: Graph refuses the request, a usage error naming it', async () => {
    const user = graph.emu.issueUserToken({
      appId: APP.id,
      userId: GRACE,
      scopes: ['public_profile'],
      lifetime: 'long',
    })
    const run = await tokensCli(['pages'], { env: graph.env(), input: user })
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/^tokens: Graph API refused the request: .+\n$/)
  })
})

describe('tokens app-token', () => {
  it("checks the app's credentials with Graph and shows the app token redacted", async () => {
    const run = await tokensCli(['app-token'], { env: graph.env() })
    expect(run.code).toBe(0)
    expect(run.stdout).toMatchSnapshot()
    const out = join(temp.dir, 'app.token')
    const json1 = json(await tokensCli(['app-token', '--json', '-o', out], { env: graph.env() }))
    expect(json1).toMatchObject({ token: `${APP.id}|[redacted]`, appName: APP.name, credentials: 'accepted' })
    expect(readFileSync(out, 'utf8')).toBe(`${APP.id}|${APP.secret}\n`)
  })

  it('a wrong secret: exit 2, naming what to fix', async () => {
    const run = await tokensCli(['app-token'], {
      env: graph.env({ META_APP_SECRET: 'wrong0secret0wrong0secret0000000' }),
    })
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr).toMatch(
      /^tokens: Graph API refused the app's credentials: check --app-id and META_APP_SECRET .*\n$/,
    )
  })
})
