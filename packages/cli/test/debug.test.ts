import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { json, tokensCli } from './cli.js'
import { ADA, APP, BAKERY, CLUB, type Graph, startGraph } from './fixture.js'

let graph: Graph
beforeAll(async () => {
  graph = await startGraph()
})
afterAll(() => graph.close())

const scopes = ['public_profile', 'pages_show_list', 'pages_manage_posts']

describe('tokens debug', () => {
  it('shows what the Debugger shows for a valid user token read from stdin, the token only redacted', async () => {
    const token = graph.emu.issueUserToken({ appId: APP.id, userId: ADA, scopes, lifetime: 'long' })
    const run = await tokensCli(['debug'], { env: graph.env(), input: `${token}\n` })
    expect(run.code).toBe(0)
    expect(run.stderr).toBe('')
    expect(run.stdout.replace(/sha256 [0-9a-f]{12}/, 'sha256 <fingerprint>')).toMatchSnapshot()
  })

  it('reads the token from META_ACCESS_TOKEN or the argument just the same', async () => {
    const token = graph.emu.issueUserToken({ appId: APP.id, userId: ADA, scopes, lifetime: 'long' })
    const fromEnv = await tokensCli(['debug', '--json'], { env: graph.env({ META_ACCESS_TOKEN: token }) })
    const fromArg = await tokensCli(['debug', '--json', token], { env: graph.env() })
    expect(fromEnv.code).toBe(0)
    expect(json(fromEnv)).toEqual(json(fromArg))
  })

  it('--json: the report of a Page token, with its granular scopes and targets', async () => {
    const token = graph.emu.issuePageToken({ appId: APP.id, userId: ADA, pageId: BAKERY, lifetime: 'long' })
    const run = await tokensCli(['debug', '--json'], { env: graph.env(), input: token })
    expect(run.code).toBe(0)
    const report = json(run)
    expect(report).toMatchObject({
      valid: true,
      type: 'page',
      appId: APP.id,
      appName: APP.name,
      pageId: BAKERY,
      userId: ADA,
      expiresAt: null,
      lifetime: 'never',
      reason: null,
      graphError: null,
    })
    expect(report.token).toMatch(/^EAA…\[redacted\]$/)
    expect(report.fingerprint).toMatch(/^[0-9a-f]{12}$/)
  })

  it('a user token of a user with Pages lists each granular scope with its targets', async () => {
    const token = graph.emu.issueUserToken({ appId: APP.id, userId: ADA, scopes, lifetime: 'long' })
    const run = await tokensCli(['debug', '--json'], { env: graph.env(), input: token })
    const report = json<{ granularScopes: unknown[]; scopes: string[] }>(run)
    expect(report.scopes).toEqual(scopes)
    expect(report.granularScopes).toContainEqual({ scope: 'pages_show_list', targetIds: [BAKERY, CLUB] })
  })

  it('an expired token: exit 1, the core reason and Graph code, subcode and message', async () => {
    const token = graph.emu.issueUserToken({ appId: APP.id, userId: ADA, scopes, lifetime: 'short' })
    graph.emu.advanceTime(3 * 3600)
    const run = await tokensCli(['debug'], { env: graph.env(), input: token })
    expect(run.code).toBe(1)
    expect(run.stdout).toContain('Valid                no: expired (The access token has expired)')
    expect(run.stdout).toMatch(/Graph error\s+190\/463: Error validating access token: Session has expired/)
    const report = json(await tokensCli(['debug', '--json'], { env: graph.env(), input: token }))
    expect(report).toMatchObject({ valid: false, reason: 'expired', graphError: { code: 190, subcode: 463 } })
  })

  it.each([
    ['password_changed', 'password_changed', 460],
    ['app_removed', 'app_not_installed', 458],
  ] as const)('an invalidated token (%s) → exit 1, reason %s, subcode %i', async (how, reason, subcode) => {
    const token = graph.emu.issueUserToken({ appId: APP.id, userId: ADA, scopes, lifetime: 'long' })
    graph.emu.invalidateToken(token, how)
    const run = await tokensCli(['debug', '--json'], { env: graph.env(), input: token })
    expect(run.code).toBe(1)
    expect(json(run)).toMatchObject({ valid: false, reason, graphError: { code: 190, subcode } })
  })

  it("another app's token is refused as wrong_app, naming that app", async () => {
    const other = graph.emu.createApp({ name: 'Someone Else' })
    const token = graph.emu.issueUserToken({ appId: other.id, userId: ADA, lifetime: 'long' })
    const run = await tokensCli(['debug', '--json'], { env: graph.env(), input: token })
    expect(run.code).toBe(1)
    expect(json(run)).toMatchObject({ valid: false, reason: 'wrong_app', appId: other.id, appName: 'Someone Else' })
  })

  it('a token Graph cannot parse is invalid (malformed); one with impossible characters is a usage error', async () => {
    const garbage = await tokensCli(['debug', '--json'], { env: graph.env(), input: 'EAAnotarealtokennotarealtoken' })
    expect(garbage.code).toBe(1)
    expect(json(garbage)).toMatchObject({ valid: false, reason: 'malformed' })
    const bad = await tokensCli(['debug'], { env: graph.env(), input: 'EAA"<script>"notatoken' })
    expect(bad.code).toBe(2)
    expect(bad.stdout).toBe('')
    expect(bad.stderr).toMatch(/^tokens: the token is malformed: .+\n$/)
  })

  it('the app token and the app: valid, no expiry', async () => {
    const run = await tokensCli(['debug', '--json'], { env: graph.env(), input: `${APP.id}|${APP.secret}` })
    expect(run.code).toBe(0)
    expect(json(run)).toMatchObject({ valid: true, type: 'app', token: `${APP.id}|[redacted]`, expiresAt: null })
  })

  it('without a token on a terminal-less stdin and no variable: a usage error', async () => {
    const run = await tokensCli(['debug'], { env: graph.env() })
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/^tokens: no token/)
  })
})
