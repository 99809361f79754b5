import { inspect } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { type AccessToken, GraphApiError, isTokenError, MemoryStore, type TokenType } from '../src/index.js'
import { createFixture, type Fixture, rejection } from './fixture.js'

let f: Fixture
afterEach(async () => {
  await f?.close()
})

/** The part of a raw token that must never show: after `{app_id}|`, or after the `EAA` prefix. */
function secretPart(raw: string): string {
  const bar = raw.indexOf('|')
  return bar >= 0 ? raw.slice(bar + 1) : raw.slice(3)
}

function expectNoSecret(texts: string[], secrets: string[]): void {
  for (const text of texts) {
    for (const secret of secrets) expect(text).not.toContain(secret)
  }
}

/** Every way a token is commonly printed. */
function shownForms(token: AccessToken): string[] {
  return [
    JSON.stringify(token),
    JSON.stringify({ token }),
    JSON.stringify([token]),
    String(token),
    `${token}`,
    `token: ${token}`,
    inspect(token),
    inspect({ nested: { token } }, { depth: 10 }),
    inspect(token, { showHidden: true, depth: 10 }),
  ]
}

/** Every way an error is commonly printed, cause included. */
function errorForms(error: unknown): string[] {
  const e = error as Error
  const cause = e.cause as Error | undefined
  return [
    e.message,
    String(e.stack),
    String(e),
    JSON.stringify(e),
    inspect(e, { depth: 10 }),
    String(cause?.message),
    String(cause?.stack),
  ]
}

describe('redaction of every token type', () => {
  it('never shows a raw user, page, system user, app or client token: tokens, rejections and events', async () => {
    f = await createFixture({ retries: 0, store: new MemoryStore() })
    const { emu, app, otherApp, user, pages, tokens } = f
    const issueUser = () =>
      emu.issueUserToken({ appId: app.id, userId: user.id, scopes: ['pages_show_list'], lifetime: 'long' })
    const issuePage = () =>
      emu.issuePageToken({ appId: app.id, userId: user.id, pageId: pages[0]!.id, lifetime: 'long' })
    const issueSystemUser = () => emu.issueSystemUserToken({ appId: app.id, userId: user.id, expiresIn: 0 })
    const raws: string[] = []
    const issued = <T extends string>(raw: T): T => {
      raws.push(raw)
      return raw
    }

    // Valid tokens of every type, through Graph and locally.
    const valid: AccessToken[] = [
      await tokens.verify(issued(issueUser()), { type: 'user' }),
      await tokens.verify(issued(issuePage()), { type: 'page' }),
      await tokens.verify(issued(issueSystemUser()), { type: 'system_user' }),
      await tokens.verify(issued(emu.appToken(app.id)), { type: 'app' }),
      await tokens.verify(issued(`${app.id}|${app.secret}`), { type: 'app' }),
      await tokens.verify(issued(`${app.id}|${app.clientToken}`), { type: 'client' }),
      tokens.appToken(),
      tokens.clientToken(),
    ]
    const userToken = valid[0]!
    if (userToken.type !== 'user') throw new Error('expected a user token')
    valid.push(...(await tokens.pageTokens(userToken)))
    expect(new Set(valid.map((t) => t.type))).toEqual(
      new Set<TokenType>(['user', 'page', 'system_user', 'app', 'client']),
    )

    // Rejections of every type: invalid at Graph, refused locally, of the wrong type, during an outage.
    const invalidated = [issued(issueUser()), issued(issuePage()), issued(issueSystemUser())]
    emu.invalidateToken(invalidated[0]!, 'password_changed')
    emu.invalidateToken(invalidated[1]!, 'page_role_lost')
    emu.invalidateToken(invalidated[2]!, 'logged_out')
    const refusals: Array<() => Promise<unknown>> = [
      ...invalidated.map((raw) => () => tokens.verify(raw)),
      ...invalidated.map((raw) => () => tokens.authenticate({ headers: { authorization: `Bearer ${raw}` } })),
      () => tokens.verify(issued(emu.issueUserToken({ appId: otherApp.id, userId: user.id }))), // wrong_app
      () => tokens.verify(issued(emu.appToken(otherApp.id))), // wrong_app, locally
      () => tokens.verify(issued(`${otherApp.id}|${otherApp.clientToken}`)), // wrong_app, locally
      () => tokens.verify(issued(`${app.id}|notthesecretnotthesecret`)), // malformed, at Graph
      ...valid.map((token) => () => tokens.verify(token.value, { type: token.type === 'user' ? 'page' : 'user' })),
      () => tokens.graph.get('/me', { token: invalidated[0]! }), // a GraphApiError
    ]
    const errors: unknown[] = []
    for (const refuse of refusals) errors.push(await rejection(refuse))
    emu.setFaults({ status: 500, paths: ['/debug_token'] })
    for (const issue of [issueUser, issuePage, issueSystemUser]) {
      errors.push(await rejection(() => tokens.verify(issued(issue()))))
    }
    errors.push(await rejection(() => tokens.verify(issued(`${app.id}|unknowntounknowntounknown`))))
    emu.setFaults(null)

    const codes = errors.map((e) => (isTokenError(e) ? e.code : e instanceof GraphApiError ? 'graph' : 'other'))
    expect(new Set(codes)).toEqual(new Set(['invalid_token', 'insufficient_scope', 'graph_unavailable', 'graph']))
    const verifies = f.events.filter((e) => e.type === 'verify')
    expect(new Set(verifies.filter((e) => e.outcome === 'valid').map((e) => e.tokenType))).toEqual(
      new Set(['user', 'page', 'system_user', 'app', 'client']), // app and client tokens: decided locally
    )
    expect(verifies.filter((e) => e.outcome === 'rejected').length).toBeGreaterThanOrEqual(10)
    expect(f.events).toContainEqual(expect.objectContaining({ type: 'store_write', kind: 'page' }))

    const secrets = [...new Set([...raws, ...valid.map((t) => t.value)].map(secretPart))]
    secrets.push(app.secret, app.clientToken)
    expect(secrets.length).toBeGreaterThanOrEqual(18)
    for (const token of valid) {
      expectNoSecret(shownForms(token), secrets)
      expect(JSON.parse(JSON.stringify(token)).value).toMatch(/\[redacted\]$/)
    }
    for (const error of errors) expectNoSecret(errorForms(error), secrets)
    expectNoSecret(
      f.events.map((event) => JSON.stringify(event)),
      secrets,
    )
  })
})
