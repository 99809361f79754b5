import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { readConfig } from '../src/config.js'
import { startDemo } from '../src/start-demo.js'

const dir = mkdtempSync(join(tmpdir(), 'tokens-demo-start-failure-'))
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

function listening(port = 0): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve(server))
  })
}

const portOf = (server: Server) => (server.address() as AddressInfo).port
const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()))

/** Free loopback ports: taken, read, released. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, () => listening()))
  const ports = servers.map(portOf)
  await Promise.all(servers.map(close))
  return ports
}

it('a start that fails half-way (the NestJS port is taken) releases everything it had opened', async () => {
  const [web, express, emulator] = (await freePorts(3)) as [number, number, number]
  const taken = await listening()
  try {
    const config = readConfig({
      HOST: '127.0.0.1',
      PORT: String(web),
      EXPRESS_PORT: String(express),
      EMULATOR_PORT: String(emulator),
      NEST_PORT: String(portOf(taken)),
      FASTIFY_PORT: '0',
      DEMO_DATABASE: join(dir, 'demo.db'),
    })
    await expect(startDemo(config)).rejects.toThrow(/EADDRINUSE/)
    // The web app's, the Express API's and the emulator's ports are free again: nothing was left listening.
    for (const port of [web, express, emulator]) await close(await listening(port))
  } finally {
    await close(taken)
  }
})
