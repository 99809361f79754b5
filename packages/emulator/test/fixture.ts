import { createHmac } from 'node:crypto'
import { type Emulator, startEmulator } from '../src/index.js'

/**
 * Parsed JSON, typed loosely for assertions without `any`: any property can be read (as `Json`), and the
 * methods of strings and arrays are available.
 */
export type Json = { readonly [key: string]: Json } & readonly Json[] & string

/** A Graph answer as the tests read it. */
export interface GraphAnswer {
  status: number
  headers: Headers
  json: Json
}

/** Unix seconds every test starts at. */
export const START = 1_700_000_000

/** A fresh emulator with one app, one user who administers three Pages, and a small fetch client. */
export async function createFixture(options: { callBudgetPerHour?: number; requireProof?: boolean } = {}) {
  const emu: Emulator = await startEmulator({
    now: START,
    freezeClock: true,
    callBudgetPerHour: options.callBudgetPerHour,
  })
  const app = emu.createApp({
    name: 'Test App',
    redirectUris: ['http://localhost:3000/callback'],
    requireProof: options.requireProof ?? true,
  })
  const user = emu.createUser({ name: 'Ada Lovelace', email: 'ada@example.com' })
  const pages = [1, 2, 3].map((n) => emu.createPage({ name: `Page ${n}`, category: 'Bakery', admins: [user.id] }))

  const proof = (token: string, secret = app.secret) => createHmac('sha256', secret).update(token).digest('hex')

  /** A Graph call; `token` is sent as access_token with a valid appsecret_proof unless `proof: false`. */
  async function call(
    method: string,
    path: string,
    params: Record<string, string> = {},
    init: { token?: string; proof?: boolean; body?: Record<string, string>; json?: boolean } = {},
  ): Promise<GraphAnswer> {
    const query = new URLSearchParams(params)
    if (init.token !== undefined) {
      query.set('access_token', init.token)
      if (init.proof !== false) query.set('appsecret_proof', proof(init.token))
    }
    const headers: Record<string, string> = {}
    let body: string | undefined
    if (init.body) {
      body = init.json ? JSON.stringify(init.body) : new URLSearchParams(init.body).toString()
      headers['content-type'] = init.json ? 'application/json' : 'application/x-www-form-urlencoded'
    }
    const response = await fetch(`${emu.url}${path}?${query}`, { method, headers, body })
    const text = await response.text()
    const json = (text === '' ? undefined : JSON.parse(text)) as Json
    return { status: response.status, headers: response.headers, json }
  }

  const get = (path: string, params: Record<string, string> = {}, token?: string): Promise<GraphAnswer> =>
    call('GET', path, params, token === undefined ? {} : { token })

  return { emu, app, user, pages, proof, call, get }
}
