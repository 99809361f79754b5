import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { afterEach, describe, expect, it } from 'vitest'
import { TOKENS_ERROR_CHANNEL, TOKENS_EVENT_CHANNEL, TokenError, type TokensEvent } from '../src/index.js'
import { createFixture, type Fixture, rejection } from './fixture.js'

let f: Fixture
const stops: Array<() => void> = []
afterEach(async () => {
  for (const stop of stops.splice(0)) stop()
  await f?.close()
})

function listen<T>(name: string): T[] {
  const seen: T[] = []
  const listener = (message: unknown) => void seen.push(message as T)
  subscribe(name, listener)
  stops.push(() => unsubscribe(name, listener))
  return seen
}

describe('diagnostics channels', () => {
  it('publish every event, also from a core without onEvent', async () => {
    const published = listen<TokensEvent>(TOKENS_EVENT_CHANNEL)
    f = await createFixture({ onEvent: undefined })
    const raw = f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id })
    await f.tokens.verify(raw)
    await f.tokens.verify(raw)
    await rejection(() => f.tokens.verify(f.emu.issueUserToken({ appId: f.otherApp.id, userId: f.user.id })))
    const verifies = published.filter((e) => e.type === 'verify')
    expect(verifies.map((e) => (e.type === 'verify' ? [e.outcome, e.cached] : []))).toEqual([
      ['valid', false],
      ['valid', true],
      ['rejected', false],
    ])
    expect(published).toContainEqual(
      expect.objectContaining({ type: 'graph_call', path: expect.stringMatching(/\/debug_token$/) }),
    )
    expect(JSON.stringify(published)).not.toContain(raw)
  })

  it('publish the same events onEvent receives', async () => {
    const published = listen<TokensEvent>(TOKENS_EVENT_CHANNEL)
    f = await createFixture()
    await f.tokens.verify(f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id }))
    expect(published).toEqual(f.events)
    expect(published.length).toBeGreaterThan(0)
  })

  it('report tokens decided locally too (app and client tokens, another app id), marked local', async () => {
    f = await createFixture()
    await f.tokens.verify(`${f.app.id}|${f.app.secret}`)
    await f.tokens.verify(`${f.app.id}|${f.app.clientToken}`, { type: 'client' })
    await rejection(() => f.tokens.verify(`${f.otherApp.id}|${f.otherApp.secret}`))
    const verifies = f.events.filter((e) => e.type === 'verify')
    expect(verifies.map((e) => (e.type === 'verify' ? [e.outcome, e.tokenType ?? e.reason, e.local] : []))).toEqual([
      ['valid', 'app', true],
      ['valid', 'client', true],
      ['rejected', 'wrong_app', true],
    ])
    expect(f.emu.requestCount('/debug_token')).toBe(0)
    expect(JSON.stringify(f.events)).not.toContain(f.app.secret)
  })

  it('publish each TokenError and GraphApiError as it is created', async () => {
    const errors = listen<Error>(TOKENS_ERROR_CHANNEL)
    f = await createFixture({ retries: 0 })
    const refused = await rejection(() => f.tokens.verify('EAAnot-a-real-token-at-all'))
    expect(errors).toContain(refused)
    expect(refused).toBeInstanceOf(TokenError)
    f.emu.setFaults({ status: 500 })
    try {
      await rejection(() => f.tokens.graph.get('/me', { token: f.tokens.appToken() }))
    } finally {
      f.emu.setFaults(null)
    }
    expect(errors).toContainEqual(expect.objectContaining({ name: 'GraphApiError', httpStatus: 500 }))
  })
})
