import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningDemo } from '../src/start-demo.js'
import { launchChromium, startTestDemo, type TestDemo } from './test-demo.js'

// The attacker's site: another port on the same host (`localhost`), so the same *site* as the demo:
// SameSite=Lax cookies travel with its top-level form posts. It serves whatever HTML the test sets.
let attacker: Server
let attackerUrl: string
let attackerHtml = ''

let demo: RunningDemo
let browser: Browser
let context: BrowserContext
let page: Page
let testDemo: TestDemo | undefined

beforeAll(async () => {
  testDemo = await startTestDemo('security')
  demo = testDemo.demo
  attacker = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(attackerHtml))
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve))
  attackerUrl = `http://localhost:${(attacker.address() as AddressInfo).port}/`
  expect(new URL(attackerUrl).hostname).toBe(new URL(demo.urls.web).hostname)
  browser = await launchChromium()
  context = await browser.newContext()
  page = await context.newPage()
  // The victim: Ada, signed in.
  await page.goto(demo.urls.web)
  await page.getByRole('link', { name: 'Log in with Facebook' }).click()
  await page.getByRole('button', { name: 'Allow' }).click()
  await page.waitForURL((url) => url.pathname === '/dashboard')
})

afterAll(async () => {
  await browser?.close()
  await new Promise((resolve) => attacker?.close(resolve))
  await testDemo?.close()
})

async function sessionCookie(): Promise<string | undefined> {
  return (await context.cookies(demo.urls.web)).find((c) => c.name === 'tokens-demo.sid')?.value
}

/** Ada visits the attacker's page, which auto-submits a form to the demo; resolves with the demo's answer. */
async function visitAutoSubmit(action: string, fields: Record<string, string>): Promise<number> {
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${value}">`)
    .join('')
  attackerHtml = `<!doctype html><form id="f" method="post" action="${action}">${inputs}</form>
<script>document.getElementById('f').submit()</script>`
  const answer = page.waitForResponse((r) => r.url() === action && r.request().method() === 'POST')
  await page.goto(attackerUrl)
  return (await answer).status()
}

async function expectStillSignedIn() {
  await page.goto(`${demo.urls.web}/dashboard`)
  expect(new URL(page.url()).pathname).toBe('/dashboard')
  expect(await page.locator('h1').textContent()).toBe('Hello, Ada Lovelace')
}

describe('CSRF: a same-site page on another port cannot act as the signed-in user', () => {
  it("refuses its auto-submitted post to Ada's Page", async () => {
    const pageId = demo.seed!.pages[0]!.id
    const cookie = await sessionCookie()
    const status = await visitAutoSubmit(`${demo.urls.web}/pages/${pageId}/posts`, {
      message: 'Posted by a sibling origin',
      _csrf: 'guessed',
    })
    expect(status).toBe(403)
    expect(await page.locator('h1').textContent()).toBe('Not allowed')
    expect(await sessionCookie()).toBe(cookie)
    await expectStillSignedIn()
    expect(await page.locator('.posts').allTextContents()).not.toContain('Posted by a sibling origin')
    expect(await page.locator('body').textContent()).not.toContain('Posted by a sibling origin')
  })

  it('refuses its auto-submitted POST /logout: the session and its cookie stay', async () => {
    const cookie = await sessionCookie()
    expect(cookie).toBeDefined()
    const status = await visitAutoSubmit(`${demo.urls.web}/logout`, {})
    expect(status).toBe(403)
    expect(await sessionCookie()).toBe(cookie)
    await expectStillSignedIn()
  })

  it("the demo's own forms still work (with the token, from the same origin)", async () => {
    const first = page.locator('.page').first()
    await first.getByLabel('Message').fill('Posted by Ada herself')
    await first.getByRole('button', { name: 'Post to Page' }).click()
    await page.waitForURL(/posted=/)
    expect(await page.locator('body').textContent()).toContain('Posted by Ada herself')
  })
})

describe('security headers', () => {
  it('another origin cannot frame the dashboard', async () => {
    attackerHtml = `<!doctype html><iframe id="victim" src="${demo.urls.web}/dashboard" width="800" height="600"></iframe>`
    // `load` waits for the frame too, whether it loaded or was refused.
    await page.goto(attackerUrl, { waitUntil: 'load' })
    const frame = page.frames().find((f) => f !== page.mainFrame())
    expect(frame).toBeDefined()
    expect(await frame!.content()).not.toContain('Hello, Ada Lovelace')
    // Chromium shows its own error page in the frame instead.
    expect(frame!.url()).toMatch(/^chrome-error:/)
    expect(await frame!.content()).not.toContain('tokens demo')
  })

  it('every page carries the CSP, framing, nosniff and referrer headers, and the layout still renders', async () => {
    const urls = [
      demo.urls.web,
      `${demo.urls.web}/dashboard`,
      `${demo.urls.web}/?denied=1`,
      `${demo.urls.web}/no-such-page`,
      `${demo.urls.web}/deletion-status?id=1`,
    ]
    for (const url of urls) {
      const answer = await page.goto(url)
      const headers = answer!.headers()
      const csp = headers['content-security-policy'] ?? ''
      expect(csp, url).toContain("default-src 'none'")
      expect(csp, url).toContain("frame-ancestors 'none'")
      expect(csp, url).toContain("form-action 'self'")
      expect(csp, url).toMatch(/style-src 'sha256-[A-Za-z0-9+/]+=*'/)
      expect(csp, url).not.toContain('unsafe-inline')
      expect(csp, url).not.toContain('script-src')
      expect(headers['x-frame-options'], url).toBe('DENY')
      expect(headers['x-content-type-options'], url).toBe('nosniff')
      expect(headers['referrer-policy'], url).toBe('same-origin')
    }
    // The layout's inline style is allowed by its hash: the header is styled, the CSP did not drop it.
    await page.goto(`${demo.urls.web}/dashboard`)
    // (The page's own window: the test's TypeScript has no DOM types.)
    type Styles = { getComputedStyle(element: unknown): { color: string } }
    const color = await page
      .locator('header .logo')
      .evaluate((e) => (globalThis as unknown as Styles).getComputedStyle(e).color)
    expect(color).toBe('rgb(24, 119, 242)')
  })

  it('the login redirects and the 404 page carry them too', async () => {
    for (const path of ['/auth/facebook', '/auth/facebook/callback?error=server_error', '/no-such-page']) {
      const answer = await fetch(`${demo.urls.web}${path}`, { redirect: 'manual' })
      expect(answer.headers.get('content-security-policy'), path).toContain("frame-ancestors 'none'")
      expect(answer.headers.get('x-frame-options'), path).toBe('DENY')
      expect(answer.headers.get('x-content-type-options'), path).toBe('nosniff')
    }
  })
})
