import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest'
import type { RunningDemo } from '../src/start-demo.js'
import { csrfOf, logIn, type Visit, Visitor } from './http-visitor.js'
import { startTestDemo, type TestDemo } from './test-demo.js'

const RAW_TOKEN = /EAA[A-Za-z0-9_-]{20,}/
/** What an error page must never show: a stack frame, a file path, the error's own name. */
const LEAK = /\bat [\w.<>]+ \(|node_modules|\/work\/|\/home\/|\.[cm]?[jt]s:\d+|Error:|GraphApiError|TokenError/

let demo: RunningDemo
let testDemo: TestDemo | undefined
let ada: Visitor
let logged: MockInstance<typeof console.error>

const logLines = () => logged.mock.calls.map((call) => call.map(String).join(' '))

beforeAll(async () => {
  testDemo = await startTestDemo('errors')
  demo = testDemo.demo
  ada = new Visitor()
  expect((await logIn(demo, ada)).status).toBe(302)
  expect((await ada.get(`${demo.urls.web}/dashboard`)).status).toBe(200)
})

afterAll(async () => {
  await testDemo?.close()
})

beforeEach(() => {
  logged = vi.spyOn(console, 'error').mockImplementation(() => {})
})

afterEach(() => {
  demo.emulator!.setFaults(null)
  logged.mockRestore()
})

/** An error page as a visitor sees it: friendly, with no stack, path or token, and the security headers. */
function expectErrorPage(answer: Visit, status: number, title: string) {
  expect(answer.status).toBe(status)
  expect(answer.headers.get('content-type')).toMatch(/^text\/html/)
  expect(answer.text).toContain(`<h1>${title}</h1>`)
  expect(answer.text).not.toMatch(LEAK)
  expect(answer.text).not.toMatch(RAW_TOKEN)
  expect(answer.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
}

/** The server logged the error, with its status, and without any token or secret. */
function expectLogged(status: number, what: RegExp) {
  const lines = logLines()
  expect(
    lines.some((line) => line.includes(`→ ${status}`) && what.test(line)),
    lines.join('\n'),
  ).toBe(true)
  for (const line of lines) {
    expect(line).not.toMatch(RAW_TOKEN)
    expect(line).not.toContain(demo.seed!.appSecret)
  }
}

async function postToPage(pageId: string, message: string): Promise<Visit> {
  const csrf = csrfOf((await ada.get(`${demo.urls.web}/dashboard`)).text)
  return ada.post(`${demo.urls.web}/pages/${pageId}/posts`, { message, _csrf: csrf })
}

describe('error pages', () => {
  it('Graph answering 5xx on the dashboard: 503 with Retry-After and a friendly page', async () => {
    demo.emulator!.setFaults({ status: 500 })
    const answer = await ada.get(`${demo.urls.web}/dashboard`)
    expectErrorPage(answer, 503, 'Facebook is not answering')
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0)
    expectLogged(503, /GraphApiError/)
  })

  it('Graph throttling the app on the dashboard: 503 with Retry-After', async () => {
    demo.emulator!.setFaults({ errorCode: 4 })
    const answer = await ada.get(`${demo.urls.web}/dashboard`)
    expectErrorPage(answer, 503, 'Facebook is not answering')
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0)
  })

  it("Graph failing while the core acquires a Page token: 503 (the core's graph_unavailable)", async () => {
    const csrf = csrfOf((await ada.get(`${demo.urls.web}/dashboard`)).text)
    // A Page Ada got after her login: its token is not in the store, the core asks Graph for it.
    const other = demo.emulator!.createPage({ name: 'Ada Annex', admins: [demo.seed!.userId] })
    demo.emulator!.setFaults({ status: 503, paths: [`/${other.id}`] })
    const answer = await ada.post(`${demo.urls.web}/pages/${other.id}/posts`, { message: 'hi', _csrf: csrf })
    expectErrorPage(answer, 503, 'Facebook is not answering')
    expect(answer.headers.get('retry-after')).toMatch(/^\d+$/)
    expectLogged(503, /graph_unavailable/)
  })

  it('posting to a Page the user does not manage: 403', async () => {
    const grace = demo.emulator!.createUser({ name: 'Grace Hopper' })
    const hers = demo.emulator!.createPage({ name: "Grace's Page", admins: [grace.id] })
    const answer = await postToPage(hers.id, 'Not my Page')
    expectErrorPage(answer, 403, 'Not allowed')
    expectLogged(403, /GraphApiError/)
  })

  it('a Page id that is not one: 404', async () => {
    expectErrorPage(await postToPage('abc', 'x'), 404, 'Not found')
    expectErrorPage(await ada.get(`${demo.urls.web}/no/such/page`), 404, 'Not found')
  })

  it('a form without the session’s CSRF token is refused, even from a client that sends no Sec-Fetch-Site', async () => {
    const pageId = demo.seed!.pages[0]!.id
    for (const csrf of [undefined, '', 'x'.repeat(43)]) {
      const form: Record<string, string> = { message: 'no token' }
      if (csrf !== undefined) form._csrf = csrf
      expectErrorPage(await ada.post(`${demo.urls.web}/pages/${pageId}/posts`, form), 403, 'Not allowed')
    }
    expectErrorPage(await ada.post(`${demo.urls.web}/logout`, {}), 403, 'Not allowed')
    expect((await ada.get(`${demo.urls.web}/dashboard`)).text).toContain('Hello, Ada Lovelace')
    expectLogged(403, /CSRF token/)
  })

  it('a callback with ?error=server_error or temporarily_unavailable ends the login, not in a 5xx', async () => {
    for (const error of ['server_error', 'temporarily_unavailable', 'made_up']) {
      const visitor = new Visitor()
      await visitor.get(`${demo.urls.web}/auth/facebook`)
      const answer = await visitor.get(`${demo.urls.web}/auth/facebook/callback?error=${error}&error_description=x`)
      expect(answer.status, error).toBe(302)
      expect(answer.headers.get('location')).toBe('/?denied=1#')
      const home = await visitor.get(`${demo.urls.web}/?denied=1`)
      expect(home.text).toContain('did not complete')
    }
  })

  it('a body too large: 413, not a stack', async () => {
    const csrf = csrfOf((await ada.get(`${demo.urls.web}/dashboard`)).text)
    const answer = await ada.post(`${demo.urls.web}/pages/${demo.seed!.pages[0]!.id}/posts`, {
      message: 'x'.repeat(20_000),
      _csrf: csrf,
    })
    expectErrorPage(answer, 413, 'Too large')
  })

  // Last: the store stays closed.
  it('the token store failing at login: a friendly 500 (or the core’s 503), the error logged server-side', async () => {
    demo.store.close?.()
    const answer = await logIn(demo, new Visitor())
    // The demo renders the status the core decides: its store error (a TokenError of its own, 503), or 500
    // for an error the core passes on as it is.
    expect([500, 503]).toContain(answer.status)
    const title = answer.status === 503 ? 'Temporarily unavailable' : 'Something went wrong'
    expectErrorPage(answer, answer.status, title)
    expectLogged(answer.status, /database connection is not open/i)
  })
})
