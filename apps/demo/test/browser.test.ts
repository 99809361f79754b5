import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningDemo } from '../src/start-demo.js'
import { launchChromium, startTestDemo, type TestDemo } from './test-demo.js'

const ARTIFACTS = join(import.meta.dirname, '..', 'test-artifacts')
const RAW_TOKEN = /EAA[A-Za-z0-9_-]{20,}/
/** What the emulator's `fb_exchange_token` grants a long-lived user token (`expires_in: 5183944`). */
const LONG_LIVED_SECONDS = 5_183_944

let demo: RunningDemo
let browser: Browser
let page: Page
let testDemo: TestDemo | undefined

beforeAll(async () => {
  testDemo = await startTestDemo('browser')
  demo = testDemo.demo
  browser = await launchChromium()
  page = await browser.newPage({ viewport: { width: 1100, height: 900 } })
})

afterAll(async () => {
  await browser?.close()
  await testDemo?.close()
})

async function logIn(options: { decline?: string[]; expectRerequest?: boolean } = {}) {
  await page.getByRole('link', { name: 'Log in with Facebook' }).click()
  await expect.poll(() => page.url()).toContain('/dialog/oauth')
  if (options.expectRerequest) expect(page.url()).toContain('auth_type=rerequest')
  await expect.poll(() => page.getByRole('heading').first().textContent()).toContain('Tokens Demo')
  for (const scope of options.decline ?? []) await page.getByLabel(scope).uncheck()
  await page.getByRole('button', { name: 'Allow' }).click()
  // On the path: the final redirect carries an empty fragment (`#`) so that Meta's `#_=_` is dropped.
  await page.waitForURL((url) => url.pathname === '/dashboard')
  expect(new URL(page.url()).hash).not.toBe('#_=_')
}

/** A unix time as the dashboard shows it. */
function utc(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('T', ' ').replace('.000Z', ' UTC')
}

/** What Graph (the emulator's `/debug_token`) says of the user token the demo stored at login. */
async function storedUserTokenDebug(): Promise<{ expires_at: number; is_valid: boolean }> {
  const seed = demo.seed!
  const stored = await demo.store.findUserToken(seed.appId, seed.userId)
  expect(stored).toBeDefined()
  const query = new URLSearchParams({ input_token: stored!.value, access_token: `${seed.appId}|${seed.appSecret}` })
  const answer = await fetch(`${demo.urls.emulator}/debug_token?${query}`)
  return ((await answer.json()) as { data: { expires_at: number; is_valid: boolean } }).data
}

async function expectNoRawToken() {
  expect(await page.content()).not.toMatch(RAW_TOKEN)
}

describe('the demo in Chromium', () => {
  it('logs in through the consent page and shows the typed tokens', async () => {
    await page.goto(demo.urls.web)
    const clockAtLogin = demo.emulator!.now()
    await logIn()
    const clockAfterLogin = demo.emulator!.now()
    await expect.poll(() => page.locator('h1').textContent()).toBe('Hello, Ada Lovelace')
    const userToken = page.locator('#user-token')
    expect(await userToken.locator('code').first().textContent()).toBe('UserToken(EAA…[redacted])')
    expect(await userToken.textContent()).toContain('long')
    // The expiry shown is the long-lived token's, as Graph (the emulator's /debug_token) reports it: issued
    // during the login, on the emulator's clock, for 60 days.
    const debug = await storedUserTokenDebug()
    expect(debug.is_valid).toBe(true)
    expect(debug.expires_at - LONG_LIVED_SECONDS).toBeGreaterThanOrEqual(clockAtLogin)
    expect(debug.expires_at - LONG_LIVED_SECONDS).toBeLessThanOrEqual(clockAfterLogin)
    // The core computes it from the exchange's expires_in and its clock (the emulator's): exactly Graph's
    // expires_at, unless that clock ticked between the emulator's answer and the core's reading of it.
    const shown = await userToken.locator('dt:text-is("Expires") + dd').textContent()
    const expected = [...Array(clockAfterLogin - clockAtLogin + 1).keys()].map((tick) => utc(debug.expires_at + tick))
    expect(expected).toContain(shown)
    const scopes = await page.locator('#scopes span').allTextContents()
    expect(scopes).toEqual(expect.arrayContaining(['email', 'pages_show_list', 'pages_manage_posts']))
    const pages = page.locator('.page')
    expect(await pages.count()).toBe(2)
    expect(await pages.first().locator('code').textContent()).toBe('PageToken(EAA…[redacted])')
    expect(await pages.first().textContent()).toContain('never')
    expect(await pages.allTextContents()).toEqual([
      expect.stringContaining('Analytical Engine Fan Club'),
      expect.stringContaining('Lovelace Bakery'),
    ])
    expect(await page.locator('body').textContent()).toContain(`NestJS at ${demo.urls.nest}`)
    await expectNoRawToken()
  })

  it('posts to a Page with its Page token through tokens.graph', async () => {
    const first = page.locator('.page').first()
    const pageId = await first.getAttribute('data-page-id')
    await first.getByLabel('Message').fill('Hello from the tokens demo')
    await first.getByRole('button', { name: 'Post to Page' }).click()
    await page.waitForURL(/posted=/)
    expect(await page.locator('.notice').textContent()).toMatch(new RegExp(`Posted to the Page as post ${pageId}_\\d+`))
    expect(await page.locator(`.page[data-page-id="${pageId}"] .posts`).textContent()).toContain(
      'Hello from the tokens demo',
    )
    mkdirSync(ARTIFACTS, { recursive: true })
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true })
    await expectNoRawToken()
  })

  it('logs out', async () => {
    await page.getByRole('button', { name: 'Log out' }).click()
    await page.waitForURL((url) => url.origin === demo.urls.web && url.pathname === '/')
    expect(await page.getByRole('link', { name: 'Log in with Facebook' }).count()).toBe(1)
    await page.goto(`${demo.urls.web}/dashboard`)
    expect(new URL(page.url()).pathname).toBe('/')
  })

  it('comes back without a session when the user cancels', async () => {
    await page.getByRole('link', { name: 'Log in with Facebook' }).click()
    await page.getByRole('button', { name: 'Cancel' }).click()
    await page.waitForURL(/denied=1/)
    expect(new URL(page.url()).hash).not.toBe('#_=_')
    expect(await page.locator('.notice').textContent()).toContain('You cancelled the login')
    await page.goto(`${demo.urls.web}/dashboard`)
    expect(new URL(page.url()).pathname).toBe('/')
  })

  it('asks again for a declined permission', async () => {
    await logIn({ decline: ['pages_manage_posts'] })
    expect(await page.locator('#scopes .declined').allTextContents()).toEqual(['pages_manage_posts'])
    await page.getByRole('link', { name: 'Grant again' }).click()
    await expect.poll(() => page.url()).toContain('auth_type=rerequest')
    await page.getByRole('button', { name: 'Allow' }).click()
    await page.waitForURL((url) => url.pathname === '/dashboard')
    expect(await page.locator('#scopes .declined').count()).toBe(0)
    expect(await page.locator('#scopes span').allTextContents()).toContain('pages_manage_posts')
  })

  it('forgets the tokens when the user removes the app (deauthorize callback)', async () => {
    const seed = demo.seed!
    const removed = await fetch(`${demo.urls.emulator}/__admin/remove-app`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: seed.userId, appId: seed.appId }),
    })
    expect(removed.ok).toBe(true)
    // The emulator delivers the callback on its own, as Meta does: wait for its effect.
    await expect
      .poll(
        async () => {
          await page.goto(`${demo.urls.web}/dashboard`)
          return page.locator('#revoked').count()
        },
        { timeout: 10_000 },
      )
      .toBe(1)
    expect(await page.locator('.page').count()).toBe(0)
  })

  it("answers Meta's data deletion request with a status URL and a confirmation code", async () => {
    const seed = demo.seed!
    const answer = await demo.emulator!.requestDataDeletion(seed.userId, seed.appId)
    expect(answer.valid).toBe(true)
    const { url, confirmation_code } = answer.body as { url: string; confirmation_code: string }
    expect(url).toBe(`${demo.urls.web}/deletion-status?id=${confirmation_code}`)
    await page.goto(url)
    expect(await page.locator('body').textContent()).toContain(`Deletion request ${confirmation_code}`)
  })
})
