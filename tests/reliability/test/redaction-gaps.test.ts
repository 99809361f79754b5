import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { TOKENS_ERROR_CHANNEL, type Tokens } from '@tokens/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EchoGraph, errorSurfaces } from './echo-graph.js'
import { World } from './world.js'

/**
 * Two leaks found while writing redaction.test.ts, fixed since: an `{app_id}|…` token echoed
 * percent-encoded (`%7C`), and a token echoed in `error_user_title` / `error_user_msg`.
 */
describe('a token never leaks through Graph’s echo, in any spelling or field', () => {
  let w: World
  let echo: EchoGraph
  let core: Tokens
  const published: string[] = []
  const onError = (error: unknown) => void published.push(errorSurfaces(error))

  beforeAll(async () => {
    w = await World.start()
    echo = await EchoGraph.start()
    w.adopt(echo)
    core = w.core({ graphUrl: echo.url })
    subscribe(TOKENS_ERROR_CHANNEL, onError)
  })
  afterAll(async () => {
    unsubscribe(TOKENS_ERROR_CHANNEL, onError)
    await w.close()
  })

  it('an app token ({app_id}|…) verified with debug_token, echoed percent-encoded (%7C): its secret half stays out of the errors', async () => {
    echo.echoIn = ['message']
    published.length = 0
    const appToken = w.emu.appToken(w.app.id) // what client_credentials returns: {app_id}|<opaque>
    const error = await core.verify(appToken).catch((e: unknown) => e)
    w.leaks.assertClean(errorSurfaces(error), 'the error of verifying an app token')
    w.leaks.assertClean(published.join('\n'), 'tokens:error')
  })

  it('Graph echoing the request in error_user_title / error_user_msg: not in GraphApiError (userTitle, userMessage) nor on tokens:error', async () => {
    echo.echoIn = ['error_user_title', 'error_user_msg']
    published.length = 0
    const error = await core.graph.get('/me', { token: w.userToken() }).catch((e: unknown) => e)
    expect((error as { userMessage?: string }).userMessage).toBeDefined()
    w.leaks.assertClean(errorSurfaces(error), 'a GraphApiError with error_user_msg')
    w.leaks.assertClean(published.join('\n'), 'tokens:error')
  })
})
