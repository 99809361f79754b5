import { readFileSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { type CpuProfile, summarizeProfile } from '../src/cpu-profile.js'
import { packageSources } from '../src/profile-bench.js'

const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber })

// (root) → handle → tryAuthenticate → tokenKey, plus (idle) and the garbage collector.
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 5, 6] },
    {
      id: 2,
      callFrame: frame('handle', 'file:///x/node_modules/.pnpm/router@2.3.0/node_modules/router/index.js', 149),
      children: [3],
    },
    { id: 3, callFrame: frame('tryAuthenticate', 'file:///x/packages/core/dist/tokens.js', 9), children: [4] },
    { id: 4, callFrame: frame('tokenKey', 'file:///x/packages/core/dist/tokens.js', 1) },
    { id: 5, callFrame: frame('(idle)') },
    { id: 6, callFrame: frame('(garbage collector)') },
  ],
  startTime: 1000,
  // Sample times: 1010 (before the window), 1020, 1030, 1040, 1050, 1060, 1070 (after it).
  samples: [4, 4, 3, 2, 5, 6, 4],
  timeDeltas: [10, 10, 10, 10, 10, 10, 10],
}

describe('summarizeProfile', () => {
  it('counts only the samples inside the window, idle excluded, per request', () => {
    const summary = summarizeProfile(profile, 1015, 1065, 10)
    expect(summary.busyMicros).toBe(4) // 4 samples of 10 µs over 10 requests
    expect(summary.gcMicros).toBe(1)
    const byName = new Map(summary.functions.map((f) => [f.name.split(' ')[0], f]))
    expect(byName.get('tokenKey')).toMatchObject({ selfMicros: 1, totalMicros: 1 })
    expect(byName.get('tryAuthenticate')).toMatchObject({ selfMicros: 1, totalMicros: 2 })
    expect(byName.get('handle')).toMatchObject({ selfMicros: 1, totalMicros: 3 })
    expect(byName.has('(idle)')).toBe(false)
  })

  it('names each function by its package file and line', () => {
    const names = summarizeProfile(profile, 0, 2000, 1).functions.map((f) => f.name)
    expect(names).toContain('handle router/index.js:150')
    expect(names).toContain('tryAuthenticate packages/core/dist/tokens.js:10')
  })
})

describe('packageSources', () => {
  it("names a built function of a @tokens package by its source file and line, and leaves others' alone", () => {
    const resolve = packageSources()
    const built = fileURLToPath(import.meta.resolve('@tokens/express'))
    const lines = readFileSync(built, 'utf8').split('\n')
    const line = lines.findIndex((text) => text.includes('function verifyRequest('))
    expect(line).toBeGreaterThan(0)
    const source = resolve(pathToFileURL(built).href, line, (lines[line] as string).indexOf('function'))
    expect(source?.path).toMatch(/packages\/express\/src\/authenticate-request\.ts$/)
    expect(resolve('node:internal/crypto/hash', 220, 0)).toBeUndefined()
  })
})
