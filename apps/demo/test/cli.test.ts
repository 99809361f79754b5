import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { startEmulator } from '@tokens/emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const main = join(import.meta.dirname, '..', 'dist', 'main.js')
let runs = 0

/** Starts the built demo (what `pnpm demo` runs after building) and waits for its banner. */
function startDemo(
  dir: string,
  env: NodeJS.ProcessEnv = {},
  args: string[] = [],
): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [main, ...args], {
    env: {
      ...process.env,
      EMULATOR_PORT: '0',
      PORT: '0',
      EXPRESS_PORT: '0',
      NEST_PORT: '0',
      FASTIFY_PORT: '0',
      DEMO_DATABASE: join(dir, `demo-${++runs}.db`),
      FB_APP_ID: '',
      FB_APP_SECRET: '',
      GRAPH_URL: '',
      DIALOG_URL: '',
      PUBLIC_URL: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout?.on('data', (chunk) => {
    out += chunk
  })
  child.stderr?.on('data', (chunk) => {
    out += chunk
  })
  return new Promise((resolve, reject) => {
    const early = (code: number | null) => reject(new Error(`demo exited with ${code}:\n${out}`))
    const timer = setTimeout(() => reject(new Error(`demo did not start:\n${out}`)), 30_000)
    const ready = () => {
      if (!out.includes('Press Ctrl+C to stop.')) return
      clearTimeout(timer)
      child.off('exit', early)
      child.stdout?.off('data', ready)
      resolve({ child, output: () => out })
    }
    child.once('exit', early)
    child.stdout?.on('data', ready)
  })
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
}

async function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  const stopped = exited(child)
  child.kill(signal)
  return (await stopped).code
}

/** A printed `curl` line with what the printout says it answers. */
interface PrintedLine {
  status: number
  title: string
  /** The printed `WWW-Authenticate` header, `…` standing for a description. */
  challenge: string | undefined
  command: string
}

function printedLines(output: string): PrintedLine[] {
  const commands = [...output.matchAll(/^ {2}(curl .+)$/gm)].map(([, command]) => command)
  const lines = [
    ...output.matchAll(/^ {2}# (\d{3}): (.+)\n(?: {2}# {6}WWW-Authenticate: (.+)\n)? {2}(curl .+)$/gm),
  ].map(([, status, title, challenge, command]) => ({
    status: Number(status),
    title: title!,
    challenge,
    command: command!,
  }))
  // Every curl line the demo prints says what it answers.
  expect(lines.map((l) => l.command)).toEqual(commands)
  return lines
}

interface Answer {
  status: number
  headers: Map<string, string>
  body: string
}

/** Runs a printed line exactly as printed (`curl -i`), adding only `-s`. */
async function runLine(command: string): Promise<Answer> {
  const { stdout } = await run('sh', ['-c', `${command} -s`])
  const end = stdout.indexOf('\r\n\r\n')
  const [statusLine = '', ...headerLines] = stdout.slice(0, end).split('\r\n')
  const headers = new Map(
    headerLines.map((h) => [h.slice(0, h.indexOf(':')).toLowerCase(), h.slice(h.indexOf(':') + 1).trim()]),
  )
  return { status: Number(statusLine.split(' ')[1]), headers, body: stdout.slice(end + 4) }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** The printed header as a pattern: exact, except that `…` stands for any description. */
function challengePattern(printed: string): RegExp {
  return new RegExp(`^${printed.split('…').map(escapeRegExp).join('[^"]+')}$`)
}

function origin(line: PrintedLine): string {
  return new URL(line.command.split(' ').at(-1)!).origin
}

/** The cookies a server set, sent back as a browser would. */
class CookieJar {
  #cookies = new Map<string, string>()
  keep(response: Response): void {
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';')
      this.#cookies.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1))
    }
  }
  header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  }
}

function expectAnswer(answer: Answer, status: number, challenge: string | undefined, what: string) {
  expect(`${what}: ${answer.status}`).toBe(`${what}: ${status}`)
  const header = answer.headers.get('www-authenticate')
  if (status === 401 || status === 403) {
    expect(challenge, `${what}: the printout shows the WWW-Authenticate header`).toBeDefined()
    expect(header, `${what}: WWW-Authenticate`).toMatch(challengePattern(challenge!))
  } else {
    expect(header, `${what}: WWW-Authenticate`).toBeUndefined()
  }
}

describe('pnpm demo', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tokens-demo-'))
  })
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  it('prints curl lines that answer as printed, remove-app last, then stops cleanly on SIGINT', async () => {
    const { child, output } = await startDemo(dir)
    try {
      const printed = printedLines(output())
      expect(printed.length).toBe(25) // 8 lines on each of the 3 APIs (2 of an iOS Limited Login token), then remove-app
      const removeApp = printed.at(-1)!
      expect(removeApp.command).toContain('/__admin/remove-app')
      for (const line of printed) {
        const answer = await runLine(line.command)
        expectAnswer(answer, line.status, line.challenge, line.title)
        if (line === removeApp) expect(answer.body).toBe('{"success":true}')
      }

      // What the printout promises once the app is removed, for Ada's token lines on every API.
      const promise = /answer (\d{3}) on every API, reason "(\w+)", with\n {2}WWW-Authenticate: (.+)$/m.exec(output())
      expect(promise).not.toBeNull()
      const [, status, reason, challenge] = promise!
      const ada = printed.filter((l) => /user token|Page token/.test(l.title))
      expect(ada.length).toBe(9)
      expect(new Set(ada.map(origin)).size).toBe(3)
      // The emulator POSTs the deauthorize callback on its own, as Meta does: wait until the web app
      // (through the Express API, first printed) has forgotten her token.
      await expect.poll(async () => (await runLine(ada[0]!.command)).status, { timeout: 10_000 }).toBe(Number(status))
      for (const line of ada) {
        const answer = await runLine(line.command)
        const api = ['Express', 'NestJS', 'Fastify'].find((name) =>
          output().includes(`${`${name} API`.padEnd(24)}${origin(line)}`),
        )
        const what = `after remove-app, ${line.title} on the ${api} API`
        expectAnswer(answer, Number(status), challenge, what)
        expect(JSON.parse(answer.body), what).toMatchObject({ error: 'invalid_token', reason })
      }
    } finally {
      expect(await stop(child, 'SIGINT')).toBe(0)
    }
    expect(output()).toContain('SIGINT: stopping the demo')
  })

  it('--otel prints the spans of a request (a miss with its Graph call, then a hit), and no token', async () => {
    const { child, output } = await startDemo(dir, {}, ['--otel'])
    try {
      const banner = output().length
      const [line] = printedLines(output())
      expect(line?.status).toBe(200)
      const token = /Bearer ([^']+)'/.exec(line!.command)![1]!
      expect((await runLine(line!.command)).status).toBe(200)
      const spans = () => output().slice(banner)
      await expect.poll(() => spans(), { timeout: 10_000 }).toContain("'tokens.verification.cache': 'miss'")
      expect(spans()).toContain("name: 'GET /{version}/debug_token'")
      expect((await runLine(line!.command)).status).toBe(200)
      await expect.poll(() => spans(), { timeout: 10_000 }).toContain("'tokens.verification.cache': 'hit'")
      expect(spans()).not.toContain(token)
    } finally {
      expect(await stop(child, 'SIGINT')).toBe(0)
    }
  })

  it('stops cleanly on SIGTERM', async () => {
    const { child } = await startDemo(dir)
    expect(await stop(child, 'SIGTERM')).toBe(0)
  })

  it('runs as a template: FB_APP_ID, FB_APP_SECRET, GRAPH_URL and PUBLIC_URL configure the login', async () => {
    // A Graph API of our own (not the demo's): the demo must reach it only through GRAPH_URL.
    const graph = await startEmulator({ port: 0 })
    const publicUrl = 'https://tokens-demo.example.test'
    const app = { id: '1234567890123456', secret: 'c0ffeec0ffeec0ffeec0ffeec0ffee00' }
    const { child, output } = await startDemo(dir, {
      FB_APP_ID: app.id,
      FB_APP_SECRET: app.secret,
      GRAPH_URL: graph.url,
      PUBLIC_URL: publicUrl,
    })
    try {
      expect(output()).toContain(`web login + dashboard   ${publicUrl}`)
      expect(output()).not.toContain('Graph API emulator')
      const local = /listening on (http:\/\/\S+)/.exec(output())?.[1]
      expect(local).toBeDefined()
      // The app as registered in Meta's dashboard: the public callback; Meta's callbacks reach the demo.
      graph.createApp({
        ...app,
        name: 'Template',
        redirectUris: [`${publicUrl}/auth/facebook/callback`],
        dataDeletionCallbackUrl: `${local}/facebook/data-deletion`,
      })
      const user = graph.createUser({ name: 'Grace Hopper' })

      // What the TLS-terminating proxy in front of the demo adds to every request it forwards.
      const proxied = { 'x-forwarded-proto': 'https' }
      const start = await fetch(`${local}/auth/facebook`, { headers: proxied, redirect: 'manual' })
      expect(start.status).toBe(302)
      const dialog = new URL(start.headers.get('location')!)
      expect(dialog.origin).toBe(graph.url)
      expect(dialog.pathname).toMatch(/\/dialog\/oauth$/)
      expect(dialog.searchParams.get('client_id')).toBe(app.id)
      expect(dialog.searchParams.get('redirect_uri')).toBe(`${publicUrl}/auth/facebook/callback`)
      const cookies = new CookieJar()
      cookies.keep(start)

      // Ada's "Allow" on the consent page, as its form posts it.
      const form = new URLSearchParams(dialog.searchParams)
      form.set('user_id', user.id)
      form.set('decision', 'allow')
      for (const scope of (dialog.searchParams.get('scope') ?? '').split(',')) form.append('grant', scope)
      const consent = await fetch(`${dialog.origin}${dialog.pathname}`, {
        method: 'POST',
        body: form,
        redirect: 'manual',
      })
      const back = new URL(consent.headers.get('location')!)
      expect(`${back.origin}${back.pathname}`).toBe(`${publicUrl}/auth/facebook/callback`)

      // The browser comes back to PUBLIC_URL; a reverse proxy would forward it to where the demo listens.
      const callback = await fetch(`${local}${back.pathname}${back.search}`, {
        headers: { ...proxied, cookie: cookies.header() },
        redirect: 'manual',
      })
      expect(callback.status).toBe(302)
      // Behind HTTPS, the session cookie is HTTPS-only.
      expect(callback.headers.get('set-cookie')).toMatch(/; Secure/i)
      expect(new URL(callback.headers.get('location')!, publicUrl).pathname).toBe('/dashboard')
      cookies.keep(callback)
      const dashboard = await fetch(`${local}/dashboard`, { headers: { ...proxied, cookie: cookies.header() } })
      expect(await dashboard.text()).toContain('Hello, Grace Hopper')
      expect(graph.requestCount('/oauth/access_token')).toBeGreaterThan(0)

      // Meta's data deletion request is answered with a status URL on PUBLIC_URL.
      const deletion = await graph.requestDataDeletion(user.id, app.id)
      expect(deletion.valid).toBe(true)
      expect((deletion.body as { url: string }).url).toMatch(
        new RegExp(`^${escapeRegExp(publicUrl)}/deletion-status\\?id=\\w+$`),
      )
    } finally {
      expect(await stop(child, 'SIGTERM')).toBe(0)
      await graph.close()
    }
  })
})
