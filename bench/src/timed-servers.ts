// Servers that time stages of their own request handling with the monotonic clock, inside the
// server, on every request: a step's cost without the machine's noise, which the CPU-time
// differences between two servers cannot resolve below about ±20 µs here.
import { hash } from 'node:crypto'
import { IncomingMessage, type ServerResponse } from 'node:http'
import { createTokens } from '@tokens/core'
import { requireToken, tokens } from '@tokens/express'
import express, { type Express } from 'express'
import { coreOptions } from './core-options.js'
import { attachLater } from './express-servers.js'
import { ROUTE, type ServerConfig } from './server-config.js'

/** Nanoseconds per request spent in each stage since the last reset. */
export interface StageTimes {
  ns: Record<string, number>
}

const totals = new Map<string, number>()
let timed = 0

/** The monotonic clock, ns. */
export const now = () => process.hrtime.bigint()

/** Adds `elapsed` to `stage`, less what reading the clock costs ({@link clockCost}). */
export function add(stage: string, elapsed: bigint): void {
  totals.set(stage, (totals.get(stage) ?? 0) + Number(elapsed - clockCost))
}

/** Counts one timed request: each stage's total is divided by how many there were. */
export function countRequest(): void {
  timed++
}

/** What the stages cost per request since the last call, and a new start. */
export function takeStageTimes(): StageTimes {
  const ns: Record<string, number> = {}
  for (const [stage, total] of totals) ns[stage] = timed === 0 ? Number.NaN : total / timed
  const taken = { ns }
  totals.clear()
  timed = 0
  return taken
}

/**
 * What reading the clock costs, as a stage of nothing measures it: the median of 10,001 readings at
 * startup, subtracted from every stage. Measured once, not per request: a reading that the scheduler
 * interrupts would take milliseconds off every stage of its request.
 */
const clockCost: bigint = (() => {
  const samples: bigint[] = []
  for (let i = 0; i < 10_001; i++) {
    const a = now()
    samples.push(now() - a)
  }
  samples.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  return samples[5_000] as bigint
})()

/**
 * The hand-written middleware of the breakdown's `express-core` step, timed: the core's work for the
 * request's cached token (`tryAuthenticate`), then setting `req.tokens` and `req.token`.
 */
export function timedCoreExpress(config: ServerConfig): Express {
  const core = createTokens(coreOptions(config))
  const app = express()
  app.use((req, _res, next) => {
    const t0 = now()
    const result = core.tryAuthenticate(req)
    const t1 = now()
    if (result instanceof Promise) {
      attachLater(core, req, result, next) // not timed: the warm-up's first request
      return
    }
    req.tokens = core
    req.token = result
    const t2 = now()
    add('tryAuthenticate', t1 - t0)
    add('stores', t2 - t1)
    countRequest()
    next()
  })
  app.get(ROUTE, (_req, res) => {
    res.json({ id: 'anonymous' })
  })
  return app
}

/**
 * The benchmarked `tokens()` + `requireToken('user')` server, timed: `tokens()` from its call to its
 * `next()` (the adapter and the core), and `requireToken('user').handle()` from its call to the route's
 * handler (the requirement and the wrapper).
 */
export function timedTokensExpress(config: ServerConfig): Express {
  const middleware = tokens(createTokens(coreOptions(config)))
  const guard = requireToken('user')
  const app = express()
  let entered = 0n
  app.use((req, res, next) => {
    const t0 = now()
    middleware(req, res, (error?: unknown) => {
      add('tokens() until next()', now() - t0)
      next(error)
    })
  })
  const route = guard.handle((req, res) => {
    add("requireToken('user').handle() until the handler", now() - entered)
    countRequest()
    res.json({ id: req.token.userId })
  })
  app.get(ROUTE, (req, res, next) => {
    entered = now()
    route(req, res, next)
  })
  return app
}

/** What Express does to every request before the first middleware: a prototype of its own. */
const expressLike = Object.create(IncomingMessage.prototype) as object

/**
 * A bare `node:http` handler, timed: setting two properties on a request as Node made it, two more after
 * `Object.setPrototypeOf(req, …)` as Express 5 does first thing for every request, and the SHA-256 of
 * the token (the core's cache key, with `crypto.hash` as the core computes it).
 */
export function timedHttp(req: IncomingMessage, res: ServerResponse): void {
  const target = req as unknown as Record<string, unknown>
  const t0 = now()
  target.first = 1
  target.second = 2
  const t1 = now()
  Object.setPrototypeOf(req, expressLike)
  const t2 = now()
  target.third = 3
  target.fourth = 4
  const t3 = now()
  const key = hash('sha256', req.headers.authorization ?? '', 'hex')
  const t4 = now()
  add('two property stores on a request of node:http', t1 - t0)
  add('two property stores after Object.setPrototypeOf(req, …), as Express 5 makes every request', t3 - t2)
  add('SHA-256 of the Authorization header (crypto.hash, hex)', t4 - t3)
  countRequest()
  res.setHeader('content-type', 'application/json')
  res.end(JSON.stringify({ id: key.length }))
}
