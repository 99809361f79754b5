import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Emulator, startEmulator } from '../src/index.js'

interface Answer {
  status: number
  body: string
}

/** A request exactly as given: no Host or Content-Type added (Node's `fetch` picks its own Host). */
function send(url: string, method: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, setHost: false }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        text += chunk
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

describe('startEmulator binds loopback only, by address', () => {
  it('refuses a name that starts with 127. but does not resolve', async () => {
    await expect(startEmulator({ host: '127.lan.example' })).rejects.toThrow(
      /host '127\.lan\.example' does not resolve .*loopback addresses only/,
    )
  })

  it.each(['0.0.0.0', '::', '10.0.0.1', '::ffff:10.0.0.1'])('refuses %s, which is not loopback', async (host) => {
    await expect(startEmulator({ host })).rejects.toThrow(/is not loopback .*allowNonLoopback/)
  })

  it('binds localhost, 127.x and a 127.x written short, at the address they resolve to', async () => {
    for (const [host, bound] of [
      ['localhost', '127.0.0.1'],
      ['127.0.0.2', '127.0.0.2'],
      ['127.1', '127.0.0.1'],
    ]) {
      const emu = await startEmulator({ host })
      try {
        expect(new URL(emu.url).hostname).toBe(bound)
        expect((await fetch(`${emu.url}/debug_token`)).status).toBe(400)
      } finally {
        await emu.close()
      }
    }
  })
})

describe('the admin API answers the emulator’s own loopback clients only', () => {
  let emu: Emulator
  let port: number
  let own: string
  beforeAll(async () => {
    emu = await startEmulator({ now: 1_700_000_000, freezeClock: true })
    port = Number(new URL(emu.url).port)
    own = `127.0.0.1:${port}`
  })
  afterAll(() => emu.close())

  const users = () => (emu.state().users as unknown[]).length
  const json = { 'content-type': 'application/json' }

  it('refuses a Host that is not loopback (DNS rebinding): its state holds app secrets', async () => {
    emu.createApp({ name: 'Secret Holder' })
    for (const host of [`rebind.attacker.example:${port}`, `127.0.0.1.attacker.example:${port}`, `10.0.0.1:${port}`]) {
      const answer = await send(`${emu.url}/__admin/state`, 'GET', { host })
      expect(answer.status, host).toBe(403)
      expect(answer.body).not.toContain('secret')
      expect(JSON.parse(answer.body).error).toMatch(/loopback Host/)
    }
    // Another port, or none, is another server.
    expect((await send(`${emu.url}/__admin/state`, 'GET', { host: `127.0.0.1:${port + 1}` })).status).toBe(403)
    expect((await send(`${emu.url}/__admin/state`, 'GET', { host: '127.0.0.1' })).status).toBe(403)
    // No Host at all: Node's HTTP/1.1 server refuses it (400) before the emulator sees it.
    expect([400, 403]).toContain((await send(`${emu.url}/__admin/state`, 'GET', {})).status)
    for (const host of [own, `localhost:${port}`, `LOCALHOST:${port}`, `127.9.9.9:${port}`]) {
      expect((await send(`${emu.url}/__admin/state`, 'GET', { host })).status, host).toBe(200)
    }
  })

  it('refuses an absolute request target naming another server, as sent to a proxy', async () => {
    const target = (path: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request({ hostname: '127.0.0.1', port, path, headers: { host: own }, setHost: false }, (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        })
        req.on('error', reject)
        req.end()
      })
    expect(await target('http://graph.facebook.com/__admin/state')).toBe(403)
    expect(await target(`http://127.0.0.1:${port + 1}/__admin/state`)).toBe(403)
    expect(await target(`http://${own}/__admin/state`)).toBe(200)
  })

  it('refuses a page on another origin, even a no-cors text/plain POST, and creates nothing', async () => {
    const before = users()
    // What a browser sends for a no-cors fetch or a form from http://localhost:8080 (same site, other port).
    const attack = await send(
      `${emu.url}/__admin/users`,
      'POST',
      { host: own, origin: 'http://localhost:8080', 'content-type': 'text/plain;charset=UTF-8' },
      '{"name":"Mallory"}',
    )
    expect(attack.status).toBe(403)
    expect(JSON.parse(attack.body).error).toMatch(/another origin/)
    for (const origin of ['null', `http://localhost:${port}`, `https://${own}`, 'http://attacker.example']) {
      const answer = await send(`${emu.url}/__admin/users`, 'POST', { host: own, origin, ...json }, '{"name":"M"}')
      expect(answer.status, origin).toBe(403)
    }
    // Reads too: a cross-origin fetch of the state is refused, not just unreadable.
    expect((await send(`${emu.url}/__admin/state`, 'GET', { host: own, origin: 'http://localhost:8080' })).status).toBe(
      403,
    )
    expect(users()).toBe(before)
    // Its own origin is fine.
    const same = await send(`${emu.url}/__admin/users`, 'POST', { host: own, origin: `http://${own}`, ...json }, '{}')
    expect(same.status).toBe(201)
    expect(users()).toBe(before + 1)
  })

  it('answers admin writes that are not application/json with 415, and creates nothing', async () => {
    const before = users()
    const bodies: Array<[Record<string, string>, string | undefined]> = [
      [{ 'content-type': 'text/plain' }, '{"name":"Mallory"}'],
      [{ 'content-type': 'application/x-www-form-urlencoded' }, 'name=Mallory'],
      [{ 'content-type': 'multipart/form-data; boundary=x' }, '--x--'],
      [{}, '{"name":"Mallory"}'],
      [{}, undefined], // an empty POST would create a user with defaults
    ]
    for (const [headers, body] of bodies) {
      const answer = await send(`${emu.url}/__admin/users`, 'POST', { host: own, ...headers }, body)
      expect(answer.status, JSON.stringify(headers)).toBe(415)
      expect(JSON.parse(answer.body).error).toMatch(/application\/json/)
    }
    const faults = await send(`${emu.url}/__admin/faults`, 'PUT', { host: own, 'content-type': 'text/plain' }, 'null')
    expect(faults.status).toBe(415)
    expect(users()).toBe(before)
    const ok = await send(
      `${emu.url}/__admin/users`,
      'POST',
      { host: own, 'content-type': 'application/json; charset=utf-8' },
      '{"name":"Grace"}',
    )
    expect(ok.status).toBe(201)
    // A DELETE without a body needs no content type.
    expect((await send(`${emu.url}/__admin/faults`, 'DELETE', { host: own })).status).toBe(200)
  })
})
