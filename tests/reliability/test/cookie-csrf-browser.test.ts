import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import { type Browser, type BrowserContext, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADAPTERS } from './adapters.js'
import { World } from './world.js'

/**
 * cookie-csrf.test.ts with a real browser: the attacker is a page on another loopback port (another
 * origin of the same site: the cookie, `SameSite=Lax` by default, travels with its requests) that
 * auto-submits a form POST to the API. Chromium, not the test, decides which headers go with it.
 */
const COOKIE = 'fb_token'

/** The attacker's site: `/?target=URL` is a page that POSTs a form to URL as soon as it loads. */
async function attackerSite(): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const target = new URL(req.url ?? '/', 'http://attacker.invalid').searchParams.get('target') ?? ''
    const action = target.replace(/[&"<>]/g, '')
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    res.end(
      `<!doctype html><title>You won!</title><form id="f" method="POST" action="${action}">` +
        '<input type="hidden" name="amount" value="1000"></form><script>document.getElementById("f").submit()</script>',
    )
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

describe('Chromium: a form on another origin cannot POST to the API with the cookie', () => {
  let browser: Browser

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    })
  })
  afterAll(async () => {
    await browser?.close()
  })

  describe.each(ADAPTERS)('%s', (adapter) => {
    let w: World
    let strict: string
    let relaxed: string
    let attacker: { url: string; close: () => Promise<void> }
    let context: BrowserContext

    beforeAll(async () => {
      w = await World.start()
      strict = await w.serve(adapter, w.core({ tokenSources: { cookie: COOKIE } }))
      relaxed = await w.serve(adapter, w.core({ tokenSources: { cookie: COOKIE }, allowCrossSiteCookies: true }))
      attacker = await attackerSite()
      w.adopt(attacker)
      context = await browser.newContext()
      // the victim signed in to the API earlier: the browser holds the cookie for its host
      const token = w.userToken()
      await context.addCookies([
        { name: COOKIE, value: token, url: strict },
        { name: COOKIE, value: token, url: relaxed },
      ])
    })
    afterAll(async () => {
      await context?.close()
      await w.close()
    })

    /** Opens the attacker's page aimed at `api`; returns what the API answered the form's POST. */
    async function attack(api: string): Promise<{ status: number; body: unknown; headers: Record<string, string> }> {
      const page = await context.newPage()
      try {
        const answered = page.waitForResponse((r) => r.url() === `${api}/user` && r.request().method() === 'POST')
        await page.goto(`${attacker.url}/?target=${encodeURIComponent(`${api}/user`)}`)
        const response = await answered
        const request = response.request()
        return {
          status: response.status(),
          body: JSON.parse(await response.text()),
          headers: await request.allHeaders(),
        }
      } finally {
        await page.close()
      }
    }

    it('the forged form POST carries the cookie and is refused: 400 invalid_request', async () => {
      const { status, body, headers } = await attack(strict)
      expect(headers.cookie).toContain(`${COOKIE}=`) // the browser did send it
      expect(headers['sec-fetch-site']).toBe('same-site') // another port: another origin, the same site
      expect(status).toBe(400)
      expect(body).toMatchObject({ error: 'invalid_request' })
    })

    it('the same POST from the API’s own origin is accepted', async () => {
      const page = await context.newPage()
      try {
        await page.goto(`${strict}/user`) // a page of the API's origin (JSON: no CSP to stop fetch)
        const answer = await page.evaluate(async () => {
          const response = await fetch('/user', { method: 'POST', credentials: 'include' })
          return { status: response.status, body: (await response.json()) as unknown }
        })
        expect(answer.status).toBe(200)
        expect(answer.body).toMatchObject({ type: 'user', userId: w.user.id })
      } finally {
        await page.close()
      }
    })

    it('with allowCrossSiteCookies: true the forged POST gets in (the refusal above is the core’s, not the browser’s)', async () => {
      const { status, body } = await attack(relaxed)
      expect(status).toBe(200)
      expect(body).toMatchObject({ type: 'user', userId: w.user.id })
    })
  })
})
