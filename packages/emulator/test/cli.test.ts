import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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

  it('--seed-file creates apps, users with profile fields and Pages with their fields', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'emulator-seed-')), 'seed.json')
    const seed = {
      apps: [{ id: '1000000000000009', name: 'Seeded', requireProof: false }],
      users: [
        {
          id: '2000000000000009',
          name: 'Grace Hopper',
          pictureUrl: 'https://cdn.example.com/g.jpg',
          link: 'https://www.facebook.com/grace',
        },
      ],
      pages: [
        {
          id: '3000000000000009',
          name: 'Navy',
          admins: ['2000000000000009'],
          about: 'Ships',
          fanCount: 7,
          username: 'navy',
        },
      ],
    }
    writeFileSync(file, JSON.stringify(seed))
    const child = spawn(process.execPath, [CLI, '--seed-file', file, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString()
        if (output.includes('Ctrl+C')) resolve()
      })
      child.once('exit', (code) => reject(new Error(`exited early (${code}): ${output}`)))
    })
    expect(output).toContain('user "Grace Hopper" (id 2000000000000009)')
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] ?? ''
    const state = (await (await fetch(`${url}/__admin/state`)).json()) as { users: unknown[]; pages: unknown[] }
    expect(state.users[0]).toMatchObject({
      id: '2000000000000009',
      profile: { pictureUrl: 'https://cdn.example.com/g.jpg' },
    })
    expect(state.pages[0]).toMatchObject({ id: '3000000000000009', about: 'Ships', fanCount: 7, username: 'navy' })
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
  })

  it('--seed-file with a mistake exits 1 naming it', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'emulator-seed-')), 'seed.json')
    writeFileSync(file, JSON.stringify({ pages: [{ name: 'Orphan', admins: ['404'] }] }))
    const child = spawn(process.execPath, [CLI, '--seed-file', file, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)))
    expect(code).toBe(1)
    expect(stderr).toContain("unknown user id '404'")
  })
})
