import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BoundedSessionStore } from '../src/session-store.js'
import type { RunningDemo } from '../src/start-demo.js'
import { logIn, Visitor } from './http-visitor.js'
import { startTestDemo, type TestDemo } from './test-demo.js'

let demo: RunningDemo
let testDemo: TestDemo | undefined

beforeAll(async () => {
  testDemo = await startTestDemo('sessions')
  demo = testDemo.demo
})

afterAll(async () => {
  await testDemo?.close()
})

/** Seconds from now until a `Set-Cookie` line's `Expires`. */
function lifetime(setCookie: string | null): number {
  const expires = /; Expires=([^;]+)/i.exec(setCookie ?? '')?.[1]
  expect(expires, 'the cookie expires').toBeDefined()
  return Math.round((Date.parse(expires!) - Date.now()) / 1000)
}

/** `count` requests, `width` at a time, from clients without a cookie. */
async function flood(count: number, width: number, send: () => Promise<Response>): Promise<Response[]> {
  const answers: Response[] = []
  for (let sent = 0; sent < count; sent += width) {
    const batch = await Promise.all(Array.from({ length: Math.min(width, count - sent) }, send))
    for (const answer of batch) await answer.arrayBuffer()
    answers.push(...batch)
  }
  return answers
}

describe('anonymous requests and the session store', () => {
  let ada: Visitor
  beforeAll(async () => {
    ada = new Visitor()
    expect((await logIn(demo, ada)).status).toBe(302)
    expect(demo.sessions.size).toEqual({ signedIn: 1, pending: 0 })
  })

  it('a signed-in session has a cookie that expires', async () => {
    const cookie = (await logIn(demo, new Visitor())).headers.get('set-cookie') ?? ''
    expect(cookie).toMatch(/^tokens-demo\.sid=/)
    expect(lifetime(cookie)).toBeGreaterThan(8 * 3600 - 60)
    expect(lifetime(cookie)).toBeLessThanOrEqual(8 * 3600)
    expect(cookie).toMatch(/; HttpOnly/i)
    expect(cookie).toMatch(/; SameSite=Lax/i)
  })

  it('an anonymous POST /logout writes no session and sets no cookie', async () => {
    const before = demo.sessions.size
    const answers = await flood(600, 50, () => fetch(`${demo.urls.web}/logout`, { method: 'POST', redirect: 'manual' }))
    for (const answer of answers) {
      expect(answer.status).toBe(303)
      expect(answer.headers.get('set-cookie')).toBeNull()
    }
    expect(demo.sessions.size).toEqual(before)
  })

  it('anonymous GET /, /dashboard and callbacks without state write no session either', async () => {
    const before = demo.sessions.size
    for (const path of ['/', '/dashboard', '/auth/facebook/callback?code=forged', '/auth/facebook/callback?error=x']) {
      const answers = await flood(50, 25, () => fetch(`${demo.urls.web}${path}`, { redirect: 'manual' }))
      for (const answer of answers) expect(answer.headers.get('set-cookie'), path).toBeNull()
    }
    expect(demo.sessions.size).toEqual(before)
  })

  it('logins started by anyone (GET /auth/facebook) are bounded, short-lived, and never push out a signed-in user', async () => {
    const answers = await flood(1_500, 50, () => fetch(`${demo.urls.web}/auth/facebook`, { redirect: 'manual' }))
    for (const answer of answers) {
      expect(answer.status).toBe(302)
      // The login round trip's session lives ten minutes.
      expect(lifetime(answer.headers.get('set-cookie'))).toBeGreaterThan(540)
      expect(lifetime(answer.headers.get('set-cookie'))).toBeLessThanOrEqual(600)
    }
    expect(demo.sessions.size.pending).toBe(1_000)
    expect(demo.sessions.size.signedIn).toBe(2)
    const dashboard = await ada.get(`${demo.urls.web}/dashboard`)
    expect(dashboard.status).toBe(200)
    expect(dashboard.text).toContain('Hello, Ada Lovelace')
  })
})

describe('BoundedSessionStore', () => {
  const cookie = (expires: number) => ({ cookie: { originalMaxAge: null, expires: new Date(expires) } })

  it('forgets a session once its cookie expires', async () => {
    let now = 1_000_000
    const store = new BoundedSessionStore({ now: () => now })
    store.set('a', { ...cookie(now + 600_000) } as never)
    const read = () => new Promise((resolve) => store.get('a', (_e, s) => resolve(s)))
    expect(await read()).not.toBeNull()
    now += 600_000
    expect(await read()).toBeNull()
    expect(store.size).toEqual({ signedIn: 0, pending: 0 })
  })

  it('keeps at most maxPending logins under way, dropping the oldest, apart from signed-in users', () => {
    const store = new BoundedSessionStore({ maxPending: 2, maxSignedIn: 2 })
    const far = Date.now() + 3_600_000
    store.set('ada', { ...cookie(far), passport: { user: { id: '1' } } } as never)
    for (const sid of ['p1', 'p2', 'p3']) store.set(sid, cookie(far) as never)
    expect(store.size).toEqual({ signedIn: 1, pending: 2 })
    store.get('p1', (_e, s) => expect(s).toBeNull())
    store.get('ada', (_e, s) => expect(s).not.toBeNull())
  })
})
