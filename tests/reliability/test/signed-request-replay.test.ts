import { LruVerificationCache, type Tokens } from '@tokens/core'
import { dataDeletionCallback, deauthorizeCallback, tokens } from '@tokens/express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Answer, express, lastResort, listen, World } from './world.js'

/**
 * Meta signs a `signed_request` with HMAC-SHA256: 32 bytes, 43 base64url characters. The last
 * character carries 4 bits of the signature and 2 spare bits, so each signature has four spellings
 * that decode to the same bytes. Someone who captured one callback must not get it handled again by
 * respelling it: only the canonical spelling is accepted, and a callback is handled once, whichever
 * spelling and whichever app (sharing the verification cache) it reaches.
 */
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/** The four spellings of a signed_request's signature, canonical first. */
function spellings(signedRequest: string): [string, string[]] {
  const [signature, payload] = signedRequest.split('.') as [string, string]
  expect(signature).toHaveLength(43)
  const last = BASE64URL.indexOf(signature.at(-1) as string)
  expect(last & 3).toBe(0) // Meta's (and the emulator's) spelling is the canonical one
  const all = [0, 1, 2, 3].map((spare) => `${signature.slice(0, -1)}${BASE64URL[(last & ~3) | spare]}.${payload}`)
  for (const spelling of all) {
    expect(Buffer.from(spelling.split('.')[0] as string, 'base64url')).toEqual(Buffer.from(signature, 'base64url'))
  }
  return [all[0] as string, all.slice(1)]
}

interface Callbacks {
  url: string
  deauthorized: string[]
  deleted: string[]
}

/** An Express app with both callbacks around `core`; records what each handled. */
async function callbackApp(w: World, core: Tokens, seen: Omit<Callbacks, 'url'>): Promise<string> {
  const app = express()
  app.use(express.urlencoded({ extended: false }))
  app.use(tokens(core))
  app.post('/deauthorize', deauthorizeCallback({ onDeauthorize: (p) => void seen.deauthorized.push(p.user_id) }))
  app.post(
    '/deletion',
    dataDeletionCallback({
      statusUrl: 'https://example.com/deletion',
      onDelete: (userId) => void seen.deleted.push(userId),
    }),
  )
  app.use(lastResort)
  const server = await listen(app)
  w.adopt(server)
  return server.url
}

function post(w: World, url: string, path: string, signedRequest: string): Promise<Answer> {
  return w.send(url, {
    method: 'POST',
    path,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ signed_request: signedRequest }).toString(),
  })
}

function expectRefused(answer: Answer): void {
  expect(answer.status).toBe(400)
  expect(JSON.parse(answer.text)).toMatchObject({ error: 'invalid_request' })
}

describe('Express callbacks: a signed_request replayed with another spelling of its signature', () => {
  let w: World
  let users = 0

  beforeAll(async () => {
    w = await World.start()
  })
  afterAll(async () => {
    await w.close()
  })

  /** A fresh signed_request for a user of its own (so each test has its own signature). */
  function signed(): { userId: string; signedRequest: string } {
    const userId = String(9_000_000_000 + ++users)
    return { userId, signedRequest: w.emu.signedRequest(w.app.id, { user_id: userId }) }
  }

  it.each([
    ['deauthorize', '/deauthorize'],
    ['data deletion', '/deletion'],
  ])(
    '%s: the three non-canonical spellings are refused (400) even before the canonical one arrives; it is then handled once',
    async (_name, path) => {
      const seen = { deauthorized: [], deleted: [] }
      const url = await callbackApp(w, w.core(), seen)
      const { userId, signedRequest } = signed()
      const [canonical, others] = spellings(signedRequest)
      for (const spelling of others) expectRefused(await post(w, url, path, spelling))
      expect([...seen.deauthorized, ...seen.deleted]).toEqual([])

      expect((await post(w, url, path, canonical)).status).toBe(200)
      for (const spelling of [canonical, ...others]) expectRefused(await post(w, url, path, spelling))
      expect([...seen.deauthorized, ...seen.deleted]).toEqual([userId])
    },
  )

  it('onDelete runs exactly once across the four spellings sent to two Express apps sharing one core', async () => {
    const seen = { deauthorized: [], deleted: [] }
    const core = w.core()
    const urls = [await callbackApp(w, core, seen), await callbackApp(w, core, seen)]
    const { userId, signedRequest } = signed()
    const [canonical, others] = spellings(signedRequest)
    const statuses: number[] = []
    for (const [i, spelling] of [canonical, ...others, canonical].entries()) {
      statuses.push((await post(w, urls[i % 2] as string, '/deletion', spelling)).status)
    }
    expect(statuses).toEqual([200, 400, 400, 400, 400])
    expect(seen.deleted).toEqual([userId])
  })

  it("onDelete runs exactly once across the four spellings sent to two apps whose cores share one cache (the cache's claim)", async () => {
    const seen = { deauthorized: [], deleted: [] }
    const cache = new LruVerificationCache({ clock: () => w.emu.now() * 1000 })
    const urls = [await callbackApp(w, w.core({ cache }), seen), await callbackApp(w, w.core({ cache }), seen)]
    const { userId, signedRequest } = signed()
    const [canonical, others] = spellings(signedRequest)
    // all at once, each spelling to both apps: one of the eight is handled
    const answers = await Promise.all(
      [canonical, ...others].flatMap((spelling) => urls.map((url) => post(w, url, '/deletion', spelling))),
    )
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1)
    for (const answer of answers.filter((a) => a.status !== 200)) expectRefused(answer)
    expect(seen.deleted).toEqual([userId])
  })
})
