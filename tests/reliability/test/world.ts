import 'reflect-metadata'
import { once } from 'node:events'
import { Agent, request, type Server } from 'node:http'
import { createTokens, type Tokens, type TokensOptions } from '@tokens/core'
import { type AppInfo, type Emulator, type NodeInfo, startEmulator } from '@tokens/emulator'
import express, { type ErrorRequestHandler, type Express } from 'express'
import { LeakDetector } from '../leak-check/leak-detector.js'
import { type Adapter, startAdapter } from './adapters.js'
import { GraphProxy } from './graph-proxy.js'

/** Unix seconds every emulator starts at. */
export const START = 1_750_000_000

/** What a request got back. */
export interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
}

/** A request as the load and fuzz tests send it: raw, so that odd and repeated headers reach the server. */
export interface RawRequest {
  method?: string
  path: string
  headers?: Record<string, string | string[]>
  /**
   * Headers as sent, in order and in their own case (name, value, name, value…), after `headers`:
   * `Authorization` and `authorization` as two headers, which an object cannot hold.
   */
  rawHeaders?: readonly string[]
  body?: string
}

/**
 * The headers Node sends for `req`: its object, or (with `rawHeaders`) a list, to which Node adds
 * neither `Host` nor `Content-Length` (it would send the body chunked).
 */
function headersToSend(req: RawRequest, url: URL): Record<string, string | string[]> | string[] {
  if (req.rawHeaders === undefined) return req.headers ?? {}
  const listed = Object.entries(req.headers ?? {}).flatMap(([name, value]) => [value].flat().flatMap((v) => [name, v]))
  const length = ['Content-Length', String(Buffer.byteLength(req.body ?? ''))]
  return ['Host', url.host, ...length, ...listed, ...req.rawHeaders]
}

/** Every status an adapter may answer with; anything else (a 500 first) is a bug. */
export const ALLOWED_STATUSES: ReadonlySet<number> = new Set([200, 400, 401, 403, 503])

/**
 * One emulator (frozen clock) with our app, somebody else's app, a user and her Page; cores on the
 * emulator's clock whose events are recorded; the three adapters on real sockets; and a leak detector
 * that checks every answer, event and error against every token and secret the emulator issued.
 */
export class World {
  readonly leaks = new LeakDetector()
  readonly events: string[] = []
  /** Every line the adapters' frameworks logged (Nest's logger), after the leak check. */
  readonly logs: string[] = []
  readonly agent = new Agent({ keepAlive: true, maxSockets: 32 })
  readonly #servers: Array<{ close: () => Promise<void> }> = []
  readonly #cores: Tokens[] = []
  readonly #proxies: GraphProxy[] = []

  private constructor(
    readonly emu: Emulator,
    readonly app: AppInfo,
    readonly otherApp: AppInfo,
    readonly user: NodeInfo,
    readonly page: NodeInfo,
  ) {}

  static async start(options: { callBudgetPerHour?: number } = {}): Promise<World> {
    const emu = await startEmulator({
      now: START,
      freezeClock: true,
      callBudgetPerHour: options.callBudgetPerHour ?? 10_000_000,
    })
    const app = emu.createApp({ name: 'Reliability' })
    const otherApp = emu.createApp({ name: 'Somebody Else' })
    const user = emu.createUser({ name: 'Ada Lovelace' })
    const page = emu.createPage({ name: 'Ada Bakery', admins: [user.id] })
    const world = new World(emu, app, otherApp, user, page)
    world.leaks.remember(app.secret)
    world.leaks.remember(app.clientToken)
    world.leaks.remember(otherApp.secret)
    world.leaks.remember(otherApp.clientToken)
    return world
  }

  /** A core on the emulator's clock; its events are kept as JSON and checked for leaks. */
  core(options: Partial<TokensOptions> = {}): Tokens {
    const core = createTokens({
      appId: this.app.id,
      appSecret: this.app.secret,
      clientToken: this.app.clientToken,
      graphUrl: this.emu.url,
      clock: () => this.emu.now() * 1000,
      retries: 0,
      timeoutMs: 1000,
      onEvent: (event) => {
        const line = JSON.stringify(event)
        this.leaks.assertClean(line, `a ${event.type} event`)
        this.events.push(line)
      },
      ...options,
    })
    this.#cores.push(core)
    return core
  }

  /** A proxy in front of the emulator that counts Graph calls in flight; give a core its `url` as `graphUrl`. */
  async graphProxy(): Promise<GraphProxy> {
    const proxy = await GraphProxy.start(this.emu.url)
    this.#proxies.push(proxy)
    return proxy
  }

  /** A long-lived user token of our app (or of `appId`). */
  userToken(appId = this.app.id, scopes: string[] = ['public_profile']): string {
    return this.emu.issueUserToken({ appId, userId: this.user.id, scopes, lifetime: 'long' })
  }

  /** A long-lived Page token of our app (or of `appId`) for the user's Page. */
  pageToken(appId = this.app.id): string {
    return this.emu.issuePageToken({ appId, userId: this.user.id, pageId: this.page.id, lifetime: 'long' })
  }

  /** Starts `adapter` around `core` on a free loopback port; returns its base URL. */
  async serve(adapter: Adapter, core: Tokens): Promise<string> {
    const started = await startAdapter(adapter, core, (line) => {
      this.leaks.assertClean(line, `a ${adapter} log line`)
      this.logs.push(line)
    })
    this.#servers.push(started)
    return started.url
  }

  /** Closes `server` with the world. */
  adopt(server: { close: () => Promise<void> }): void {
    this.#servers.push(server)
  }

  /** Sends `req` to `base` over a kept-alive socket; its answer is checked for leaks. */
  send(base: string, req: RawRequest): Promise<Answer> {
    const url = new URL(req.path, base)
    return new Promise((resolve, reject) => {
      const outgoing = request(
        url,
        { method: req.method ?? 'GET', headers: headersToSend(req, url), agent: this.agent },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (chunk: Buffer) => chunks.push(chunk))
          res.on('error', reject)
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8')
            this.leaks.assertClean(text, `the body of ${req.method ?? 'GET'} ${url.pathname}`)
            this.leaks.assertClean(JSON.stringify(res.headers), `the headers of ${req.method ?? 'GET'} ${url.pathname}`)
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text })
          })
        },
      )
      outgoing.on('error', reject)
      outgoing.end(req.body)
    })
  }

  /** GET `path` with a bearer token. */
  get(base: string, path: string, token?: string): Promise<Answer> {
    return this.send(base, { path, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } })
  }

  /** Closes servers, cores, sockets, proxies and the emulator; checks every recorded event once more. */
  async close(): Promise<void> {
    for (const server of this.#servers.splice(0)) await server.close()
    await Promise.all(this.#cores.splice(0).map((core) => core.close()))
    this.agent.destroy()
    for (const proxy of this.#proxies.splice(0)) await proxy.close()
    await this.emu.close()
    this.leaks.assertClean(this.events.join('\n'), 'the recorded events')
    this.leaks.close()
  }
}

/** The Express error handler of last resort: whatever reaches it is a 500, which the tests refuse. */
export const lastResort: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
  const status =
    typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number'
      ? error.status
      : 500
  // body-parser refuses bad bodies with 4xx before any of our code runs; everything else is ours.
  res.status(status >= 400 && status < 500 ? status : 500).json({ error: 'unexpected' })
}

/** Listens on a free loopback port. */
export async function listen(app: Express): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = app.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

export { express }
