import 'reflect-metadata'
import { format } from 'node:util'
import type { INestApplication, LoggerService, ModuleMetadata } from '@nestjs/common'
import { ExpressAdapter } from '@nestjs/platform-express'
import { FastifyAdapter } from '@nestjs/platform-fastify'
import { Test } from '@nestjs/testing'
import { type Emulator, startEmulator } from '@tokens/emulator'

/** Unix seconds every test starts at. */
export const START = 1_750_000_000

export type Platform = 'express' | 'fastify'
export const PLATFORMS: readonly Platform[] = ['express', 'fastify']

/** An emulator with one app, a second app, a user who administers a Page, and a second admin. */
export async function createWorld() {
  const emu: Emulator = await startEmulator({ now: START, freezeClock: true, callBudgetPerHour: 100_000 })
  const app = emu.createApp({ name: 'Nest Test' })
  const otherApp = emu.createApp({ name: 'Somebody Else' })
  const user = emu.createUser({ name: 'Ada Lovelace' })
  const poster = emu.createUser({ name: 'Grace Hopper' })
  const page = emu.createPage({ name: 'Ada Bakery', admins: [user.id, poster.id] })
  return { emu, app, otherApp, user, poster, page }
}
export type World = Awaited<ReturnType<typeof createWorld>>

/** Every line Nest logs, so tests can assert that no raw token is in any of them. */
export class CapturingLogger implements LoggerService {
  readonly lines: string[] = []
  log(...args: unknown[]): void {
    this.lines.push(format(...args))
  }
  error(...args: unknown[]): void {
    this.lines.push(format(...args))
  }
  warn(...args: unknown[]): void {
    this.lines.push(format(...args))
  }
  debug(...args: unknown[]): void {
    this.lines.push(format(...args))
  }
  verbose(...args: unknown[]): void {
    this.lines.push(format(...args))
  }
}

/**
 * A Nest application of `metadata` on `platform`, listening on a free loopback port; with
 * `trustProxy`, the platform believes `X-Forwarded-*` headers (Express `trust proxy`, Fastify `trustProxy`).
 */
export async function startApp(
  platform: Platform,
  metadata: ModuleMetadata,
  logger = new CapturingLogger(),
  { trustProxy = false } = {},
) {
  const moduleRef = await Test.createTestingModule(metadata).compile()
  let adapter: ExpressAdapter | FastifyAdapter
  if (platform === 'express') {
    adapter = new ExpressAdapter()
    if (trustProxy) adapter.set('trust proxy', true)
  } else {
    adapter = new FastifyAdapter({ trustProxy })
  }
  const app: INestApplication = moduleRef.createNestApplication(adapter, { logger })
  await app.listen(0, '127.0.0.1')
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1')
  return { app, url, logger, moduleRef }
}

/** What a request got back, with the raw text to search for leaks. */
export interface Answer {
  status: number
  headers: Headers
  body: unknown
  text: string
}

/** GETs `path` with `token` as a bearer token (or none). */
export async function call(url: string, path: string, token?: string, init: RequestInit = {}): Promise<Answer> {
  const headers = new Headers(init.headers)
  if (token !== undefined) headers.set('authorization', `Bearer ${token}`)
  const res = await fetch(`${url}${path}`, { ...init, headers })
  const text = await res.text()
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, body, text }
}

/** Fails when the raw token appears anywhere in the answer. */
export function leaks(answer: Answer, raw: string): boolean {
  if (answer.text.includes(raw)) return true
  for (const [, value] of answer.headers) if (value.includes(raw)) return true
  return false
}
