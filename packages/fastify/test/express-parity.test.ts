import { connect } from 'node:net'
import type { NodeInfo } from '@tokens/emulator'
import { requireToken as expressRequireToken, tokens as expressTokens } from '@tokens/express'
import express from 'express'
import Fastify from 'fastify'
import { beforeEach, describe, expect, it } from 'vitest'
import { type Answer, type Harness, TRANSPORTS, useHarness } from './harness.js'
import { buildApp } from './matrix-app.js'

/** The Express twin of the matrix app: the same routes, through `@tokens/express`. */
function expressApp(h: Harness) {
  const app = express()
  app.use(expressTokens(h.core()))
  app.get('/any', (req, res) => {
    res.json({ type: req.token?.type ?? null })
  })
  app.get(
    '/user',
    expressRequireToken('user').handle((req, res) => {
      res.json({ type: req.token.type, userId: req.token.userId })
    }),
  )
  app.get(
    '/email',
    expressRequireToken('user', { scopes: ['email'] }).handle((req, res) => {
      res.json({ userId: req.token.userId })
    }),
  )
  app.get(
    '/page',
    expressRequireToken('page').handle((req, res) => {
      res.json({ type: req.token.type, pageId: req.token.pageId, userId: req.token.userId })
    }),
  )
  app.get(
    '/client',
    expressRequireToken('client').handle((req, res) => {
      res.json({ type: req.token.type, appId: req.token.appId })
    }),
  )
  return app
}

/** Headers that belong to the framework or the connection, not to the adapter's answer. */
const FRAMEWORK_HEADERS = new Set(['date', 'connection', 'keep-alive', 'x-powered-by', 'etag'])

function answerOf(a: Answer) {
  const headers = Object.fromEntries(Object.entries(a.headers).filter(([name]) => !FRAMEWORK_HEADERS.has(name)))
  return { status: a.status, headers, text: a.text }
}

type Call = [path: string, init: Parameters<Harness['call']>[1]]

describe.each(TRANSPORTS)('fastify over %s answers byte for byte what @tokens/express answers', (transport) => {
  const harness = useHarness()
  let h: Harness
  let ada: NodeInfo
  let bakery: NodeInfo
  let fastifyUrl: string
  let expressUrl: string

  beforeEach(async () => {
    h = harness()
    ada = h.user()
    bakery = h.page(ada)
    fastifyUrl = await h.serve(await buildApp(h, Fastify()), transport)
    expressUrl = await h.listenServer(expressApp(h).listen(0, '127.0.0.1'))
  })

  async function both(...calls: Call[]): Promise<void> {
    for (const [path, init] of calls) {
      const fromExpress = answerOf(await h.call(`${expressUrl}${path}`, init))
      const fromFastify = answerOf(await h.call(`${fastifyUrl}${path}`, init))
      expect(fromFastify, `${path} ${JSON.stringify(init?.headers ?? {})}`).toEqual(fromExpress)
    }
  }

  it('every rejection of the matrix and an accepted token: status, every header and the body', async () => {
    const user = h.userToken(ada, ['public_profile'])
    const otherApps = h.userToken(ada, undefined, 'long', h.otherApp.id)
    const changed = h.userToken(ada)
    h.emu.invalidateToken(changed, 'password_changed')
    await both(
      ['/user', {}],
      ['/any', {}],
      ['/user', { token: user }],
      ['/page', { token: h.pageToken(ada, bakery) }],
      ['/page', { token: user }],
      ['/email', { token: user }],
      ['/client', { token: user }],
      ['/user', { token: h.track(`${h.app.id}|${h.app.clientToken}`) }],
      ['/user', { token: h.track(`${h.app.id}|${h.app.secret}`) }],
      ['/user', { token: otherApps }],
      ['/any', { token: h.track(`${h.otherApp.id}|${h.otherApp.secret}`) }],
      ['/user', { token: changed }],
      ['/any', { token: h.track('EAAGarbageGarbageGarbageGarbage123') }],
      ['/any', { token: h.track('abc123') }],
      ['/any', { headers: { authorization: 'Bearer EAA"<script>' } }],
      ['/any', { headers: { authorization: 'Bearer ' } }],
      ['/any', { headers: { authorization: 'Bearer a b' } }],
      ['/user', { headers: { authorization: 'Basic dXNlcjpwYXNz' } }],
      [`/any?access_token=${encodeURIComponent(user)}`, { token: user }],
      ['/any', { token: h.track(`EAA${'x'.repeat(9000)}`) }],
    )
  })

  it('an expired token and an uninstalled app', async () => {
    const short = h.userToken(ada, undefined, 'short')
    const removed = h.userToken(ada)
    await both(['/user', { token: short }])
    h.emu.advanceTime(3 * 3600)
    h.emu.removeApp(ada.id, h.app.id)
    await both(['/user', { token: short }], ['/user', { token: removed }])
  })

  it('Graph down and Graph throttling: 503 with the same Retry-After', async () => {
    h.emu.setFaults({ status: 500 })
    await both(['/user', { token: h.userToken(ada) }])
    h.emu.setFaults({ errorCode: 4, paths: ['/debug_token'] })
    await both(['/user', { token: h.userToken(ada) }])
  })
})

/** Sends a request with two `Authorization` headers over a raw socket; returns the raw answer. */
function twoHeaders(url: string, raw: string): Promise<string> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname)
    let text = ''
    socket.on('data', (chunk) => {
      text += chunk.toString('utf8')
    })
    socket.on('end', () => resolve(text))
    socket.on('error', reject)
    socket.write(
      `GET /any HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${raw}\r\nAuthorization: Bearer ${raw}\r\nConnection: close\r\n\r\n`,
    )
  })
}

describe('a repeated Authorization header (seen through request.raw.rawHeaders)', () => {
  const harness = useHarness()

  it('is refused as Express refuses it: 400 invalid_request, the same challenge and body', async () => {
    const h = harness()
    const raw = h.userToken(h.user())
    const fastifyUrl = await h.serve(await buildApp(h, Fastify()))
    const expressUrl = await h.listenServer(expressApp(h).listen(0, '127.0.0.1'))
    // Header names are case-insensitive (RFC 9110 §5.1): Fastify writes them in lower case, Express as set.
    const strip = (text: string) =>
      text
        .split('\r\n')
        .filter((line) => !/^(date|connection|keep-alive|x-powered-by|etag):/i.test(line))
        .map((line) => line.replace(/^([A-Za-z-]+):/, (name) => name.toLowerCase()))
        .join('\r\n')
    const fromFastify = strip(await twoHeaders(fastifyUrl, raw))
    expect(fromFastify).toMatch(/^HTTP\/1\.1 400 Bad Request/)
    expect(fromFastify).toContain('"error":"invalid_request"')
    expect(fromFastify).toEqual(strip(await twoHeaders(expressUrl, raw)))
  })
})
