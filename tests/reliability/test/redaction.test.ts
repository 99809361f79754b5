import { randomBytes } from 'node:crypto'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { TOKENS_ERROR_CHANNEL, type Tokens, type TokensEvent, type UserToken } from '@tokens/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EchoGraph, errorSurfaces } from './echo-graph.js'
import { World } from './world.js'

/**
 * Graph's error messages repeat what they were sent ("Invalid parameter", "Object with ID '…' does
 * not exist"). A token, a login code or the app secret the core sent must not come back through that
 * echo into an error message, a cause, an event or the diagnostics channel, where loggers and error
 * trackers pick it up. The core sends them as `access_token`, `input_token`, `fb_exchange_token`,
 * `code`, `client_secret`, or in a path a caller wrote.
 */

describe('a token never leaks through Graph’s echo', () => {
  let w: World
  let echo: EchoGraph
  let core: Tokens
  const events: string[] = []
  const published: string[] = []
  const onError = (error: unknown) => void published.push(errorSurfaces(error))

  beforeAll(async () => {
    w = await World.start()
    echo = await EchoGraph.start()
    w.adopt(echo)
    core = w.core({ graphUrl: echo.url, onEvent: (event: TokensEvent) => void events.push(JSON.stringify(event)) })
    subscribe(TOKENS_ERROR_CHANNEL, onError)
  })
  afterAll(async () => {
    unsubscribe(TOKENS_ERROR_CHANNEL, onError)
    await w.close()
  })

  /** Runs `call`, expects it to fail, and returns every surface of its error. */
  async function failure(call: () => Promise<unknown>): Promise<string> {
    const error = await call().then(
      () => new Error('the call succeeded'),
      (e: unknown) => e,
    )
    expect((error as Error).message).not.toBe('the call succeeded')
    const surfaces = errorSurfaces(error)
    expect(surfaces).toContain('[redacted]') // the echo did reach the error (its message or a cause's), scrubbed
    return surfaces
  }

  it('a token put in a Graph path (no token option) shows as [redacted] in the graph_call event, against the emulator', async () => {
    const onEmulator: string[] = []
    const emulatorCore = w.core({ onEvent: (event: TokensEvent) => void onEmulator.push(JSON.stringify(event)) })
    const raw = w.userToken()
    await emulatorCore.graph.get(`/${raw}/permissions`).catch(() => undefined)
    const calls = onEmulator.map((line) => JSON.parse(line) as TokensEvent).filter((e) => e.type === 'graph_call')
    expect(calls).toHaveLength(1)
    expect(calls[0]).toMatchObject({ path: '/[redacted]/permissions' })
    w.leaks.assertClean(onEmulator.join('\n'), 'the graph_call events')
  })

  it('input_token (debug_token) echoed by Graph: not in the GraphApiError, its causes, the TokenError or its answer', async () => {
    const surfaces: string[] = []
    for (const code of [100, 1, 190]) {
      echo.code = code // a request error, a transient one (an outage), our credentials refused (misconfigured)
      surfaces.push(await failure(() => core.verify(w.userToken())))
    }
    echo.code = 100
    w.leaks.assertClean(surfaces.join('\n'), 'the errors of debug_token calls')
  })

  it('fb_exchange_token, code and client_secret (the exchanges) echoed by Graph: not in the errors', async () => {
    const user = (await w.core().verify(w.userToken(), { type: 'user' })) as UserToken
    const code = `AQD${randomBytes(24).toString('hex')}`
    w.leaks.remember(code)
    const surfaces = [
      await failure(() => core.exchangeForLongLived(user)),
      await failure(() => core.exchangeCode({ code, redirectUri: 'https://example.com/callback' })),
    ]
    w.leaks.assertClean(surfaces.join('\n'), 'the errors of the exchanges')
  })

  it('a token in the path or in any secret parameter of a direct Graph call: not in the error', async () => {
    const secretParams = {
      input_token: w.userToken(),
      fb_exchange_token: w.userToken(),
      code: `AQD${randomBytes(24).toString('hex')}`,
      client_secret: w.app.secret,
    }
    w.leaks.remember(secretParams.code)
    const surfaces = [
      await failure(() => core.graph.get(`/${w.userToken()}/permissions`)),
      await failure(() => core.graph.get('/me', { params: secretParams })),
      await failure(() => core.graph.post('/me/feed', { token: w.userToken(), params: secretParams })),
    ]
    w.leaks.assertClean(surfaces.join('\n'), 'the errors of direct Graph calls')
  })

  it('nothing published on tokens:error, and no event, holds any of them', () => {
    expect(published.length).toBeGreaterThan(5) // the calls above did publish errors
    w.leaks.assertClean(published.join('\n'), 'the errors published on tokens:error')
    expect(events.join('\n')).toContain('"type":"graph_call"')
    w.leaks.assertClean(events.join('\n'), 'the events')
  })
})
