import 'reflect-metadata'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createTokens, type Tokens } from '@tokens/core'
import { type DemoSeed, type Emulator, seedDemo, startEmulator } from '@tokens/emulator'
import { sqliteStore } from '@tokens/sqlite'
import type { DemoConfig } from './config.js'
import { createExpressApi } from './express-api.js'
import { createNestApi } from './nest-api.js'
import { createWebApp } from './web-app.js'

/** A running demo. */
export interface RunningDemo {
  urls: { web: string; express: string; nest: string; emulator?: string }
  /** The seeded app, user, Pages and tokens (emulator mode only). */
  seed: DemoSeed | undefined
  emulator: Emulator | undefined
  tokens: Tokens
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
 * Express and NestJS APIs, all sharing one SQLite token store.
 */
export async function startDemo(config: DemoConfig): Promise<RunningDemo> {
  const web = createServer()
  const api = createServer()
  const webPort = await listen(web, config.ports.web, config.host)
  const apiPort = await listen(api, config.ports.express, config.host)
  const urls: RunningDemo['urls'] = {
    web: `http://localhost:${webPort}`,
    express: `http://localhost:${apiPort}`,
    nest: '',
  }

  let emulator: Emulator | undefined
  let seed: DemoSeed | undefined
  let appId = config.appId
  let appSecret = config.appSecret
  let graphUrl = config.graphUrl
  if (config.emulator) {
    emulator = await startEmulator({ port: config.ports.emulator, host: config.host })
    seed = seedDemo(emulator, {
      redirectUris: [`${urls.web}/auth/facebook/callback`, `http://127.0.0.1:${webPort}/auth/facebook/callback`],
      deauthorizeCallbackUrl: `${urls.web}/facebook/deauthorize`,
      dataDeletionCallbackUrl: `${urls.web}/facebook/data-deletion`,
    })
    urls.emulator = emulator.url
    appId = seed.appId
    appSecret = seed.appSecret
    graphUrl = emulator.url
  }
  if (appId === undefined || appSecret === undefined) throw new TypeError('FB_APP_ID and FB_APP_SECRET are required')

  const store = sqliteStore({ filename: config.database })
  const tokens = createTokens({ appId, appSecret, store, ...(graphUrl && { graphUrl }) })
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
      apis: urls, // read at render time: the Nest URL is known once it listens
    }),
  )
  api.on('request', createExpressApi(tokens))

  const nest = await createNestApi({ appId, appSecret, ...(graphUrl && { graphUrl }) })
  await nest.listen(config.ports.nest, config.host)
  urls.nest = `http://localhost:${(nest.getHttpServer().address() as AddressInfo).port}`

  let closed = false
  return {
    urls,
    seed,
    emulator,
    tokens,
    async close() {
      if (closed) return
      closed = true
      await Promise.all([closeServer(web), closeServer(api), nest.close()])
      await tokens.close()
      await emulator?.close()
    },
  }
}
