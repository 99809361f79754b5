import type { RunningDemo } from '../src/start-demo.js'

/** What a test reads of an answer. */
export interface Visit {
  status: number
  headers: Headers
  text: string
}

/** A visitor over plain HTTP: `fetch` without following redirects, keeping the web app's cookies. */
export class Visitor {
  readonly cookies = new Map<string, string>()

  async get(url: string): Promise<Visit> {
    return this.#send(url, { method: 'GET' })
  }

  async post(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Visit> {
    return this.#send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
    })
  }

  async #send(url: string, init: RequestInit): Promise<Visit> {
    const headers = new Headers(init.headers)
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
    if (cookie) headers.set('cookie', cookie)
    const res = await fetch(url, { ...init, headers, redirect: 'manual' })
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';')
      const name = pair.slice(0, pair.indexOf('='))
      const gone = /expires=Thu, 01 Jan 1970/i.test(line) || /max-age=0\b/i.test(line)
      if (gone) this.cookies.delete(name)
      else this.cookies.set(name, pair.slice(pair.indexOf('=') + 1))
    }
    return { status: res.status, headers: res.headers, text: await res.text() }
  }
}

/** The CSRF token of the first form on a page. */
export function csrfOf(html: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1]
  if (token === undefined) throw new Error('no CSRF token on the page')
  return token
}

/**
 * Logs the seeded user in through the emulator's consent page, as its form posts it, and returns the
 * callback's answer (a redirect to the dashboard when the login worked).
 */
export async function logIn(demo: RunningDemo, visitor: Visitor): Promise<Visit> {
  const seed = demo.seed!
  const start = await visitor.get(`${demo.urls.web}/auth/facebook`)
  const dialog = new URL(start.headers.get('location')!)
  const form = new URLSearchParams(dialog.searchParams)
  form.set('user_id', seed.userId)
  form.set('decision', 'allow')
  for (const scope of (dialog.searchParams.get('scope') ?? '').split(',')) form.append('grant', scope)
  const consent = await fetch(`${dialog.origin}${dialog.pathname}`, { method: 'POST', body: form, redirect: 'manual' })
  const back = new URL(consent.headers.get('location')!)
  return visitor.get(`${demo.urls.web}${back.pathname}${back.search}`)
}
