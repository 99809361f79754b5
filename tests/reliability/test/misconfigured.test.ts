import { isTokenError, type TokensOptions } from '@tokens/core'
import { requireToken, tokens } from '@tokens/express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADAPTERS } from './adapters.js'
import { type Answer, express, listen, World } from './world.js'

/**
 * A deploy with a wrong app secret (or another app's id): Graph refuses every `debug_token` call made
 * with the app's own credentials. That is the server's fault, so the answer is 500, logged: not a 401
 * (the user's token is fine; logging users out would hide the mistake) and not a 503 with
 * `Retry-After` (no outage to wait out; clients would retry forever). Nothing the client gets says
 * what Graph said, and the secret appears nowhere.
 */
const WRONG_SECRET = 'wrongAppSecret0123456789'
const MISCONFIGURATIONS: Array<{ name: string; options: Partial<TokensOptions> }> = [
  { name: 'the right app id and a wrong app secret', options: { appSecret: WRONG_SECRET } },
  { name: 'an app id Graph does not know', options: { appId: '987654321012345', appSecret: WRONG_SECRET } },
]

function expectServerFault(answer: Answer, graphSaid: string): void {
  expect(answer.status).toBe(500)
  expect(answer.headers['retry-after']).toBeUndefined()
  expect(answer.headers['www-authenticate']).toBeUndefined()
  expect(answer.text).not.toContain(WRONG_SECRET)
  expect(answer.text).not.toContain(graphSaid)
  expect(answer.text).not.toContain('Graph said')
}

/** What Graph says to a `debug_token` call made with these credentials (the core quotes it in its log, only there). */
async function graphSays(w: World, options: Partial<TokensOptions>): Promise<string> {
  const url = new URL(`${w.emu.url}/v25.0/debug_token`)
  url.searchParams.set('input_token', w.userToken())
  url.searchParams.set('access_token', `${options.appId ?? w.app.id}|${options.appSecret ?? w.app.secret}`)
  const answer = (await (await fetch(url)).json()) as { error?: { message?: string } }
  expect(answer.error?.message).toBeTruthy()
  return answer.error?.message as string
}

describe.each(ADAPTERS.flatMap((adapter) => MISCONFIGURATIONS.map((m) => ({ adapter, ...m }))))(
  '$adapter, $name: a wrong app secret is the server’s fault, not an outage',
  ({ adapter, options }) => {
    let w: World
    let url: string
    let graphSaid: string

    beforeAll(async () => {
      w = await World.start()
      w.leaks.remember(WRONG_SECRET)
      graphSaid = await graphSays(w, options)
      url = await w.serve(adapter, w.core(options))
    })
    afterAll(async () => {
      await w.close()
    })

    it('a valid user token answers 500 (never 401, never 503 + Retry-After), every time, saying nothing of Graph or the secret', async () => {
      const raw = w.userToken()
      const events = w.events.length
      for (let round = 0; round < 2; round++) {
        for (const path of ['/user', '/any']) expectServerFault(await w.get(url, path, raw), graphSaid)
      }
      const errors = w.events.slice(events).filter((line) => line.includes('"type":"error"'))
      expect(errors.length).toBeGreaterThan(0)
      for (const line of errors) expect(JSON.parse(line)).toMatchObject({ where: 'credentials' })
    })

    it.runIf(adapter === 'nest-express' || adapter === 'nest-fastify')(
      'Nest answers the core’s 500 body and logs what Graph refused',
      async () => {
        const answer = await w.get(url, '/user', w.userToken())
        expect(JSON.parse(answer.text)).toEqual({
          error: 'misconfigured',
          error_description: expect.any(String),
        })
        expect(w.logs.some((line) => line.includes("refused the app's credentials") && line.includes(graphSaid))).toBe(
          true,
        )
      },
    )

    it.runIf(adapter === 'passport')(
      'Passport graph-token reports it with error(): tokensErrorHandler renders the core’s 500',
      async () => {
        const answer = await w.get(url, '/user', w.userToken())
        expect(JSON.parse(answer.text)).toMatchObject({ error: 'misconfigured' })
      },
    )
  },
)

describe('Express: the app’s error handler gets the misconfigured TokenError', () => {
  let w: World
  let url: string
  const handled: unknown[] = []

  beforeAll(async () => {
    w = await World.start()
    w.leaks.remember(WRONG_SECRET)
    const app = express()
    app.use(tokens(w.core({ appSecret: WRONG_SECRET })))
    app.get('/user', requireToken('user'), (_req, res) => {
      res.json({ ok: true })
    })
    app.use(((error, _req, res, _next) => {
      handled.push(error)
      res.status(500).json({ error: 'server_error' })
    }) satisfies express.ErrorRequestHandler)
    const server = await listen(app)
    w.adopt(server)
    url = server.url
  })
  afterAll(async () => {
    await w.close()
  })

  it('next(error) with code misconfigured and status 500, not a rendered 401/503', async () => {
    const answer = await w.get(url, '/user', w.userToken())
    expect(answer.status).toBe(500)
    expect(JSON.parse(answer.text)).toEqual({ error: 'server_error' })
    expect(handled).toHaveLength(1)
    const [error] = handled
    expect(isTokenError(error)).toBe(true)
    expect(error).toMatchObject({ code: 'misconfigured', status: 500 })
    expect((error as Error).message).not.toContain(WRONG_SECRET)
  })
})

describe('checkCredentials() and the login code exchange with wrong credentials', () => {
  let w: World

  beforeAll(async () => {
    w = await World.start()
    w.leaks.remember(WRONG_SECRET)
  })
  afterAll(async () => {
    await w.close()
  })

  it('checkCredentials() rejects with misconfigured for both mistakes, and resolves for the right credentials', async () => {
    for (const { options } of MISCONFIGURATIONS) {
      const error = await w
        .core(options)
        .checkCredentials()
        .then(
          () => undefined,
          (e: unknown) => e,
        )
      expect(isTokenError(error)).toBe(true)
      expect(error).toMatchObject({ code: 'misconfigured', status: 500 })
      expect((error as Error).message).not.toContain(WRONG_SECRET)
    }
    await expect(w.core().checkCredentials()).resolves.toBeUndefined()
  })

  it('exchangeCode with a wrong secret is misconfigured (500), not graph_unavailable (503)', async () => {
    const redirectUri = 'https://example.com/auth/facebook/callback'
    const login = w.emu.createApp({ name: 'Login', redirectUris: [redirectUri] })
    const code = async () => {
      const form = new URLSearchParams({
        client_id: login.id,
        redirect_uri: redirectUri,
        scope: 'public_profile',
        user_id: w.user.id,
        decision: 'allow',
      })
      const answer = await fetch(`${w.emu.url}/v25.0/dialog/oauth`, { method: 'POST', body: form, redirect: 'manual' })
      return new URL(answer.headers.get('location') ?? '').searchParams.get('code') as string
    }
    const events = w.events.length
    const wrong = w.core({ appId: login.id, appSecret: WRONG_SECRET, clientToken: login.clientToken })
    const error = await wrong.exchangeCode({ code: await code(), redirectUri }).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(isTokenError(error)).toBe(true)
    expect(error).toMatchObject({ code: 'misconfigured', status: 500 })
    expect(w.events.slice(events).join('\n')).toContain('"where":"credentials"')
    // the right secret exchanges the same kind of code (the flow works)
    const right = w.core({ appId: login.id, appSecret: login.secret, clientToken: login.clientToken })
    expect((await right.exchangeCode({ code: await code(), redirectUri })).type).toBe('user')
  })
})
