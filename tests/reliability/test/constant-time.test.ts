import { execFile } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { parseSignedRequest } from '@tokens/core'
import { describe, expect, it } from 'vitest'

interface Counted {
  calls: number
  outcome: string
}
type Probe = Record<string, Counted>

const PROBE = fileURLToPath(new URL('./constant-time-probe.cjs', import.meta.url))

function runProbe(): Promise<{ cjs: Probe; esm: Probe }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [PROBE],
      { cwd: fileURLToPath(new URL('..', import.meta.url)) },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`probe failed: ${stderr}`))
        else resolve(JSON.parse(stdout) as { cjs: Probe; esm: Probe })
      },
    )
  })
}

describe('secret comparisons go through crypto.timingSafeEqual (built code, patched in a child process)', () => {
  it.each(['cjs', 'esm'] as const)('%s build', async (build) => {
    const probe = (await runProbe())[build]
    expect(probe.control).toEqual({ calls: 1, outcome: 'ok' }) // the counter sees calls at all
    // signed_request signatures: compared as bytes, in constant time, whether they match or not
    expect(probe.signedRequestValid).toEqual({ calls: 1, outcome: 'ok' })
    expect(probe.signedRequestForged).toEqual({ calls: 1, outcome: 'invalid_request' })
    expect(probe.signedRequestOtherSecret).toEqual({ calls: 1, outcome: 'invalid_request' })
    // {app_id}|{secret} tokens: both the app secret and the client token are compared, every time,
    // so the time does not tell which one was close, nor how close
    expect(probe.appSecretToken).toEqual({ calls: 2, outcome: 'app' })
    expect(probe.clientTokenToken).toEqual({ calls: 2, outcome: 'client' })
    expect(probe.nearlyTheSecret).toEqual({ calls: 2, outcome: 'graph_unavailable' })
    expect(probe.shorterThanTheSecret).toEqual({ calls: 2, outcome: 'graph_unavailable' })
  })
})

describe('signed_request replay protection', () => {
  const secret = 'f'.repeat(32)
  function signed(issuedAt: number): string {
    const payload = Buffer.from(JSON.stringify({ algorithm: 'HMAC-SHA256', user_id: '42', issued_at: issuedAt }))
    const encoded = payload.toString('base64url')
    return `${createHmac('sha256', secret).update(encoded).digest('base64url')}.${encoded}`
  }
  const now = 1_750_000_000
  const clock = () => now * 1000

  it('accepts a fresh request and refuses one older than maxAgeSeconds or from the future', () => {
    expect(parseSignedRequest(signed(now - 10), secret, { clock }).user_id).toBe('42')
    expect(() => parseSignedRequest(signed(now - 3601), secret, { clock })).toThrow(/too old/)
    expect(() => parseSignedRequest(signed(now - 61), secret, { clock, maxAgeSeconds: 60 })).toThrow(/too old/)
    expect(() => parseSignedRequest(signed(now + 301), secret, { clock })).toThrow(/future/)
  })
})
