import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { startEmulator } from '@tokens/emulator'
import { describe, expect, it } from 'vitest'
import { fingerprintOf, LeakDetector } from '../leak-check/leak-detector.js'

const fixture = fileURLToPath(new URL('../leak-check/fixture/', import.meta.url))
/** The vitest CLI this package runs, started with the current Node. */
const VITEST = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url))

describe('the suite-wide leak check', () => {
  it('finds issued tokens, secrets and app-token halves, and names them by fingerprint only', async () => {
    const detector = new LeakDetector()
    const emu = await startEmulator({ freezeClock: true })
    try {
      const app = emu.createApp()
      const user = emu.createUser()
      const token = emu.issueUserToken({ appId: app.id, userId: user.id })
      const appToken = emu.appToken(app.id)
      expect(detector.find(`clean ${app.id} ${user.id}`)).toEqual([])
      expect(detector.find(`Bearer ${token}`)).toEqual([fingerprintOf(token)])
      expect(detector.find(`"${app.secret}"`)).toEqual([fingerprintOf(app.secret)])
      expect(detector.find(appToken.slice(appToken.indexOf('|') + 1))).toHaveLength(1)
      let message = ''
      try {
        detector.assertClean(`x${token}x`, 'a test')
      } catch (error) {
        message = (error as Error).message
      }
      expect(message).toMatch(/^Leak check: 1 issued token\(s\)\/secret\(s\) appeared in a test/)
      expect(message).not.toContain(token)
    } finally {
      detector.close()
      await emu.close()
    }
  })

  it('fails exactly the tests of a child vitest run that print, answer, publish or throw what the emulator issued', async () => {
    const output = await new Promise<{ code: number | null; text: string }>((resolve) => {
      execFile(
        process.execPath,
        [VITEST, 'run', '--root', fixture, '--reporter', 'verbose'],
        { cwd: fixture, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' }, timeout: 60_000 },
        (error, stdout, stderr) => resolve({ code: error ? (error.code as number | null) : 0, text: stdout + stderr }),
      )
    })
    expect(output.code).not.toBe(0)
    expect(output.text).toMatch(/9 failed \| 1 passed/)
    for (const name of [
      'logs a user token with console.log',
      'writes an app secret to stderr',
      'prints the secret half of an issued app token inside an object',
      'answers a user token in a response body',
      'answers an app secret in a response header',
      'publishes an event that carries a user token',
      'creates a TokenError whose description holds a user token',
    ]) {
      expect(output.text).toContain(
        `Leak check: 1 issued token(s)/secret(s) appeared in the output, events, errors or responses of "${name}"`,
      )
    }
    for (const name of [
      "exports a span whose attribute is a token's appsecret_proof",
      "exports a metric whose attribute is a token's full SHA-256",
    ]) {
      expect(output.text).toContain(
        `Leak check: 1 issued token(s)/secret(s) appeared in the exported telemetry of "${name}"`,
      )
    }
  })
})
