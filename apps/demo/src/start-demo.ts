import 'reflect-metadata'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createTokens, type TokenStore, type Tokens } from '@tokens/core'
import { type DemoSeed, type Emulator, seedDemo, startEmulator } from '@tokens/emulator'
import { sqliteStore } from '@tokens/sqlite'
import type { DemoConfig } from './config.js'
import { createExpressApi } from './express-api.js'
import { createFastifyApi } from './fastify-api.js'
import { createNestApi } from './nest-api.js'
import { BoundedSessionStore } from './session-store.js'
import { createWebApp } from './web-app.js'

/** A running demo. */
export interface RunningDemo {
  /** `web` is the public base URL (`PUBLIC_URL`); `webLocal` is where the web app listens. */
  urls: { web: string; webLocal: string; express: string; nest: string; fastify: string; emulator?: string }
  /** The seeded app, user, Pages and tokens (emulator mode only). */
  seed: DemoSeed | undefined
  emulator: Emulator | undefined
  /** The one core every app uses. */
  tokens: Tokens
  /** The SQLite token store of that core. */
  store: TokenStore
  /** The web app's sessions: signed-in users and logins under way. */
  sessions: BoundedSessionStore
  close(): Promise<void>
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve((server.address() as AddressInfo).port)
    })
  })
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}

/**
 * Starts the demo: the emulator (seeded) unless a real app is configured, the login web app, and the
 * Express, NestJS and Fastify APIs, all sharing one core (one `Tokens` instance, with the SQLite token store), so a
 * user revoked by the deauthorize callback is refused by every app at once.
 */
export async function startDemo(config: DemoConfig): Promise<RunningDemo> {
  // What is open so far, closed in reverse if a later step fails (a port taken, a bad database path).
  const opened: Array<() => Promise<void>> = []
  try {
    return await start(config, opened)
  } catch (error) {
    for (const close of opened.reverse()) await close().catch(() => undefined)
    throw error
  }
}

async function start(config: DemoConfig, opened: Array<() => Promise<void>>): Promise<RunningDemo> {
  const web = createServer()
  const api = createServer()
  const webPort = await listen(web, config.ports.web, config.host)
  opened.push(() => closeServer(web))
  const apiPort = await listen(api, config.ports.express, config.host)
  opened.push(() => closeServer(api))
  const webLocal = `http://localhost:${webPort}`
  const urls: RunningDemo['urls'] = {
    web: config.publicUrl ?? webLocal,
    webLocal,
    express: `http://localhost:${apiPort}`,
    nest: '',
    fastify: '',
  }

  let emulator: Emulator | undefined
  let seed: DemoSeed | undefined
  let appId = config.appId
  let appSecret = config.appSecret
  let graphUrl = config.graphUrl
  if (config.emulator) {
    emulator = await startEmulator({ port: config.ports.emulator, host: config.host })
    const started = emulator
    opened.push(() => started.close())
    seed = seedDemo(emulator, {
      redirectUris: [`${urls.web}/auth/facebook/callback`, `http://127.0.0.1:${webPort}/auth/facebook/callback`],
      // Server-to-server calls of the local emulator: to where the web app listens.
      deauthorizeCallbackUrl: `${webLocal}/facebook/deauthorize`,
      dataDeletionCallbackUrl: `${webLocal}/facebook/data-deletion`,
    })
    urls.emulator = emulator.url
    appId = seed.appId
    appSecret = seed.appSecret
    graphUrl = emulator.url
  }
  if (appId === undefined || appSecret === undefined) throw new TypeError('FB_APP_ID and FB_APP_SECRET are required')

  const store = sqliteStore({ filename: config.database })
  opened.push(async () => store.close?.())
  // With the emulator, the core keeps the emulator's time, as it would Graph's: token expiries are computed
  // on the clock that issued them, and moving the emulator's clock (admin API) moves the demo's too.
  const graphClock = emulator?.now
  const clock = graphClock && (() => graphClock() * 1000)
  // iOS Limited Login tokens of the emulator are signed with its keys, served on its origin.
  const limitedLogin = emulator && {
    jwksUrl: `${emulator.url}/.well-known/oauth/openid/jwks/`,
    uninstallUrl: `${emulator.url}/platform/uninstall/`,
  }
  const tokens = createTokens({
    appId,
    appSecret,
    store,
    ...(graphUrl && { graphUrl }),
    ...(clock && { clock }),
    ...(limitedLogin && { limitedLogin }),
  })
  opened.push(() => tokens.close()) // closes the store too
  const sessions = new BoundedSessionStore()
  web.on(
    'request',
    createWebApp({
      tokens,
      appSecret,
      store,
      baseUrl: urls.web,
      graphUrl,
      dialogUrl: config.dialogUrl ?? graphUrl,
      sessionSecret: config.sessionSecret,
      sessionStore: sessions,
      apis: urls, // read at render time: the Nest URL is known once it listens
    }),
  )
  api.on('request', createExpressApi(tokens))

  const nest = await createNestApi(tokens)
  opened.push(() => nest.close())
  await nest.listen(config.ports.nest, config.host)
  urls.nest = `http://localhost:${(nest.getHttpServer().address() as AddressInfo).port}`

  const fastify = await createFastifyApi(tokens)
  opened.push(() => fastify.close())
  await fastify.listen({ port: config.ports.fastify, host: config.host })
  urls.fastify = `http://localhost:${(fastify.server.address() as AddressInfo).port}`

  let closed = false
  return {
    urls,
    seed,
    emulator,
    tokens,
    store,
    sessions,
    async close() {
      if (closed) return
      closed = true
      await Promise.all([closeServer(web), closeServer(api), nest.close(), fastify.close()])
      // The one core, closed once, by its owner: `TokensModule` does not close a core passed in.
      await tokens.close()
      await emulator?.close()
    },
  }
}
