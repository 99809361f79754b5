import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url))

describe('tokens-emulator --seed', () => {
  it('prints the demo app and working tokens, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [CLI, '--seed', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString()
        if (output.includes('Ctrl+C')) resolve()
      })
      child.once('exit', (code) => reject(new Error(`exited early (${code}): ${output}`)))
    })
    expect(output).toContain('FACEBOOK_APP_ID=1000000000000001')
    expect(output).toContain('Ada Lovelace')
    const debugCurl = /curl '(http:\/\/127\.0\.0\.1:\d+\/v25\.0\/debug_token\?[^']+)'/.exec(output)?.[1] ?? ''
    const meCurl = /curl '(http:\/\/127\.0\.0\.1:\d+\/v25\.0\/me\?[^']+)'/.exec(output)?.[1] ?? ''
    const debug = (await (await fetch(debugCurl)).json()) as { data: { is_valid: boolean; type: string } }
    expect(debug.data).toMatchObject({ is_valid: true, type: 'USER' })
    expect(await (await fetch(meCurl)).json()).toMatchObject({ name: 'Ada Lovelace', email: 'ada@example.com' })
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
  })
})
