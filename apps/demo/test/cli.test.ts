import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const main = join(import.meta.dirname, '..', 'dist', 'main.js')

/** Starts the built demo (what `pnpm demo` runs after building) and waits for its banner. */
function startDemo(dir: string): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [main], {
    env: {
      ...process.env,
      EMULATOR_PORT: '0',
      PORT: '0',
      EXPRESS_PORT: '0',
      NEST_PORT: '0',
      DEMO_DATABASE: join(dir, 'demo.db'),
      FB_APP_ID: '',
      FB_APP_SECRET: '',
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

describe('pnpm demo', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tokens-demo-'))
  })
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  it('prints curl lines that answer as printed, then stops cleanly on SIGINT', async () => {
    const { child, output } = await startDemo(dir)
    try {
      const printed = [...output().matchAll(/^ {2}# (\d{3}): (.+)\n {2}(curl -i .+)$/gm)]
      expect(printed.length).toBe(12)
      for (const [, status, title, command] of printed) {
        const { stdout } = await run('sh', ['-c', `${command} -s -o /dev/null -w '%{http_code}'`])
        expect(`${title}: ${stdout}`).toBe(`${title}: ${status}`)
      }
      const withHeaders = printed.find(([, status]) => status === '403')!
      const { stdout } = await run('sh', ['-c', `${withHeaders[3]} -s`])
      expect(stdout).toMatch(/WWW-Authenticate: Bearer realm="api", error="insufficient_scope"/i)
    } finally {
      const stopped = exited(child)
      child.kill('SIGINT')
      const { code } = await stopped
      expect(code).toBe(0)
    }
    expect(output()).toContain('SIGINT: stopping the demo')
  })

  it('stops cleanly on SIGTERM', async () => {
    const { child } = await startDemo(dir)
    const stopped = exited(child)
    child.kill('SIGTERM')
    expect((await stopped).code).toBe(0)
  })
})
