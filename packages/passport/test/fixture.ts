import type { AddressInfo } from 'node:net'
import { createTokens, type Tokens, type TokensOptions } from '@tokens/core'
import { type Emulator, startEmulator } from '@tokens/emulator'
import express, { type Express } from 'express'
import session from 'express-session'
import passport from 'passport'

/** Unix seconds every test starts at. */
export const START = 1_760_000_000

/** An emulator with an app, another app, a user who administers three Pages, and a core on the emulator's clock. */
export async function createFixture(options: Partial<TokensOptions> = {}) {
  const emu: Emulator = await startEmulator({ now: START, freezeClock: true, callBudgetPerHour: 100_000 })
  const user = emu.createUser({ name: 'Ada Lovelace', email: 'ada@example.com' })
  const app = emu.createApp({ name: 'Passport Test' })
  // Another app that, like many, does not require appsecret_proof.
  const otherApp = emu.createApp({ name: 'Somebody Else', requireProof: false })
  const pages = [1, 2, 3].map((n) => emu.createPage({ name: `Page ${n}`, category: 'Bakery', admins: [user.id] }))
  const tokens: Tokens = createTokens({
    ...emu.coreOptions(app),
    retries: 0,
    timeoutMs: 500,
    ...options,
  })
  return {
    emu,
    app,
    otherApp,
    user,
    pages,
    tokens,
    async close() {
      await tokens.close()
      await emu.close()
    },
  }
}

export type Fixture = Awaited<ReturnType<typeof createFixture>>

/** Serves an Express app on a free loopback port. */
export async function serve(app: Express): Promise<{ url: string; close(): Promise<void> }> {
  const server = app.listen(0, '127.0.0.1')
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve)
    server.once('error', reject)
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}

/** What a test reads of a response: status, headers and the body as text. */
export interface Answer {
  status: number
  headers: Headers
  text: string
}

/** A request with `fetch`, redirects not followed. */
export async function request(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, { redirect: 'manual', ...init })
  return { status: res.status, headers: res.headers, text: await res.text() }
}

/**
 * A login app's skeleton: its own Passport (users kept whole in the session as JSON) and an Express
 * app with a session, Passport initialized and reading the session. Routes are the test's.
 */
export function loginApp(): { app: Express; auth: passport.Authenticator } {
  const auth = new passport.Passport()
  auth.serializeUser((user, done) => done(null, JSON.stringify(user)))
  auth.deserializeUser((user: string, done) => done(null, JSON.parse(user)))
  const app = express()
  app.use(session({ secret: 'test-session-secret', resave: false, saveUninitialized: false }))
  app.use(auth.initialize())
  app.use(auth.session())
  return { app, auth }
}
