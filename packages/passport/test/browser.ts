import { expect } from 'vitest'
import type { Answer } from './fixture.js'

/** A consent form as a browser would submit it: its action and the fields that are on. */
export interface ConsentForm {
  action: string
  fields: URLSearchParams
}

const decode = (text: string) => text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))

/** Reads the emulator's consent page: the form's action, hidden fields, ticked boxes and the picked user. */
export function parseConsentForm(html: string, base: string): ConsentForm {
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1]
  if (action === undefined) throw new Error('no consent form on the page')
  const fields = new URLSearchParams()
  for (const input of html.matchAll(/<input ([^>]+)>/g)) {
    const attrs = input[1] ?? ''
    const name = /name="([^"]+)"/.exec(attrs)?.[1]
    const value = decode(/value="([^"]*)"/.exec(attrs)?.[1] ?? '')
    const checkable = /type="(checkbox|radio)"/.test(attrs)
    if (name && (!checkable || / checked/.test(attrs))) fields.append(name, value)
  }
  return { action: new URL(decode(action), base).toString(), fields }
}

/** A tiny browser: `fetch` without following redirects, with a cookie jar per origin. */
export class Browser {
  readonly #jar = new Map<string, Map<string, string>>()
  /** Every answer this browser received, for leak checks. */
  readonly answers: Answer[] = []

  async get(url: string): Promise<Answer> {
    return this.#send(url, { method: 'GET' })
  }

  async post(url: string, form: URLSearchParams): Promise<Answer> {
    return this.#send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    })
  }

  async #send(url: string, init: RequestInit): Promise<Answer> {
    const { origin } = new URL(url)
    const cookies = this.#jar.get(origin) ?? new Map<string, string>()
    const cookie = [...cookies].map(([name, value]) => `${name}=${value}`).join('; ')
    const headers = new Headers(init.headers)
    if (cookie) headers.set('cookie', cookie)
    const res = await fetch(url, { ...init, headers, redirect: 'manual' })
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(';')[0] ?? ''
      const eq = pair.indexOf('=')
      if (eq > 0) cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim())
    }
    this.#jar.set(origin, cookies)
    const answer = { status: res.status, headers: res.headers, text: await res.text() }
    this.answers.push(answer)
    return answer
  }
}

/**
 * Starts a login at `startUrl` (the app redirects to the dialog), submits the consent form with
 * `decision`, unticking `decline`, and follows the dialog's redirect back to the app's callback once.
 */
export async function loginThroughDialog(
  browser: Browser,
  startUrl: string,
  { decision = 'allow', decline = [] as readonly string[] } = {},
) {
  const started = await browser.get(startUrl)
  expect(started.status).toBe(302)
  const dialogUrl = new URL(started.headers.get('location') ?? '')
  const page = await browser.get(dialogUrl.toString())
  expect(page.status).toBe(200)
  const form = parseConsentForm(page.text, dialogUrl.toString())
  for (const scope of decline) form.fields.delete('grant', scope)
  form.fields.set('decision', decision)
  const back = await browser.post(form.action, form.fields)
  expect(back.status).toBe(302)
  const callbackUrl = back.headers.get('location') ?? ''
  expect(callbackUrl.startsWith(new URL(startUrl).origin)).toBe(true)
  const landed = await browser.get(callbackUrl)
  return { dialogUrl, callbackUrl, landed }
}

/**
 * The URL a browser ends on when it follows `location` from `from`: a `Location` without a fragment
 * inherits the fragment of `from` (Fetch standard, HTTP-redirect fetch). That is how Facebook's `#_=_`
 * travels from the callback to the page the app redirects to.
 */
export function followRedirect(from: string, location: string): URL {
  const next = new URL(location, from)
  if (!location.includes('#')) next.hash = new URL(from).hash
  return next
}
