import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Results } from '../src/results.js'

const run = fileURLToPath(new URL('../dist/run.js', import.meta.url))
const out = mkdtempSync(join(tmpdir(), 'tokens-bench-test-'))
let stdout = ''
let results: Results

/** Every number anywhere in `value`, with its path. */
function numbers(value: unknown, path = ''): Array<[string, number]> {
  if (typeof value === 'number') return [[path, value]]
  if (typeof value !== 'object' || value === null) return []
  return Object.entries(value).flatMap(([key, inner]) => numbers(inner, `${path}.${key}`))
}

beforeAll(async () => {
  // The built runner, as `pnpm bench --quick` runs it; results go to a temp dir, not bench/results.
  const answer = await promisify(execFile)(process.execPath, [run, '--quick', '--out', out], {
    maxBuffer: 16 * 1024 * 1024,
  })
  stdout = answer.stdout
  results = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8')) as Results
})

afterAll(() => {
  rmSync(out, { recursive: true, force: true })
})

describe('pnpm bench --quick', () => {
  it('prints the table it writes to latest.md, with the context of the run', () => {
    const markdown = readFileSync(join(out, 'latest.md'), 'utf8')
    expect(stdout).toBe(markdown)
    expect(markdown).toContain(`- Node: ${process.version}`)
    expect(markdown).toMatch(/- Machine: \d+ × /)
    expect(markdown).toContain('- Command: `pnpm bench --quick`')
    for (const heading of [
      '## Throughput and latency',
      '## Figures',
      '## What the Express overhead is made of',
      '## Targets (issues 9 and 15)',
    ]) {
      expect(markdown).toContain(heading)
    }
    expect(markdown).not.toMatch(/NaN|undefined|Infinity/)
  })

  it('has every figure, each a finite number, and no failed request', () => {
    const figures = numbers(results)
    expect(figures.length).toBeGreaterThan(40)
    for (const [path, value] of figures) expect(Number.isFinite(value), path).toBe(true)
    for (const t of [results.express, results.nest]) {
      for (const side of [t.bare, t.tokens]) {
        expect(side.rps).toBeGreaterThan(0)
        expect(side.failures).toBe(0)
      }
    }
    expect(results.versus.failures).toBe(0)
    expect(results.coldBurst.failures).toBe(0)
    expect(results.sharedCache.failures).toBe(0)
    expect(results.cluster.failures).toBe(0)
    expect(results.limitedLogin.failures).toBe(0)
    for (const side of [results.limitedLogin.repeated.tokens, results.limitedLogin.repeated.peer]) {
      expect(side.rps).toBeGreaterThan(0)
    }
    expect(results.limitedLogin.firstSight.tokens.rps).toBeGreaterThan(0)
    expect(results.limitedLogin.firstSight.peer.rps).toBeGreaterThan(0)
  })

  it('measures each overhead as alternating pairs, with the spread of its ratio and of its added CPU time', () => {
    for (const o of [results.express, results.nest]) {
      expect(o.pairs).toBeGreaterThanOrEqual(2)
      for (const s of [o.ratioSpread, o.addedCpuSpread]) {
        expect(s.min).toBeLessThanOrEqual(s.q1)
        expect(s.q1).toBeLessThanOrEqual(s.median)
        expect(s.median).toBeLessThanOrEqual(s.q3)
        expect(s.q3).toBeLessThanOrEqual(s.max)
      }
      expect(o.ratio).toBe(o.ratioSpread.median)
      expect(o.addedCpuMicros).toBe(o.addedCpuSpread.median)
      expect(o.cpuMicrosPerRequest.bare).toBeGreaterThan(0)
      expect(o.cpuMicrosPerRequest.tokens).toBeGreaterThan(0)
      expect(o.perPair).toHaveLength(o.pairs)
    }
    expect(results.load.cores).toBeGreaterThan(0)
    expect(results.load.max).toBeGreaterThanOrEqual(results.load.min)
    const markdown = readFileSync(join(out, 'latest.md'), 'utf8')
    expect(markdown).toContain('added server CPU per warm request')
    expect(markdown).toContain('- Machine load during the run')
    for (const name of ['Express: added server CPU / warm request', 'Nest: added server CPU / warm request'])
      expect(markdown).toContain(`| ${name} |`)
  })

  it('measures every step of the Express overhead breakdown, each against the step before', () => {
    const { steps } = results.breakdown
    expect(steps.map((s) => s.kind)).toEqual([
      'express-bare',
      'express-noop',
      'express-attach',
      'express-core',
      'express-middleware',
      'express-tokens',
    ])
    for (const step of steps) expect(step.micros.median).toBeGreaterThan(0)
    expect(steps[0]?.added.median).toBe(0)
    expect(steps[0]?.overBare.median).toBe(0)
  })

  it('times the warm path stage by stage inside the servers that run it', () => {
    const { stages } = results.inServer
    const named = (server: string) => stages.filter((s) => s.server === server).map((s) => s.stage)
    expect(named('express-timed-core')).toEqual(['tryAuthenticate', 'stores'])
    expect(named('express-timed-tokens')).toEqual([
      'tokens() until next()',
      "requireToken('user').handle() until the handler",
    ])
    expect(named('nest-timed')).toEqual(['TokenGuard.canActivate'])
    expect(named('http-timed')).toHaveLength(3)
    // The core's work and the adapter's take time; what the clock cannot see would read about 0.
    for (const stage of stages.filter((s) => s.server !== 'http-timed')) expect(stage.ns.median).toBeGreaterThan(0)
    expect(stdout).toContain('| `express-timed-tokens` | tokens() until next() |')
  })

  it("samples the tokens() server with V8's profiler and names the core's hot path", () => {
    const { profile } = results
    expect(profile.kind).toBe('express-tokens')
    expect(profile.busyMicros).toBeGreaterThan(0)
    const names = profile.ours.map((f) => f.name.split(' ')[0])
    expect(names).toContain('tryAuthenticate')
    for (const f of profile.ours) expect(f.totalMicros).toBeGreaterThanOrEqual(f.selfMicros)
  })

  it('makes exactly one debug_token call per distinct token, in one process and across two sharing Redis', () => {
    expect(results.coldBurst.debugTokenCalls.length).toBeGreaterThan(0)
    for (const calls of results.coldBurst.debugTokenCalls) expect(calls).toBe(results.coldBurst.tokens)
    expect(results.sharedCache.debugTokenCalls).toEqual({
      oneProcess: results.sharedCache.tokens,
      twoProcesses: results.sharedCache.tokens,
    })
  })

  it('makes exactly one debug_token call per distinct token across four processes sharing a Redis Cluster', () => {
    const { cluster } = results
    expect(cluster.processes).toBe(4)
    expect(cluster.debugTokenCalls).toBe(cluster.tokens)
    for (const l of [cluster.warm.inProcess, cluster.warm.localLayer, cluster.warm.fromCluster]) {
      expect(l.p50Ms).toBeGreaterThan(0)
      expect(l.p99Ms).toBeGreaterThanOrEqual(l.p50Ms)
    }
    expect(readFileSync(join(out, 'latest.md'), 'utf8')).toContain('## Redis Cluster (issue 20)')
  })

  it('holds the LRU bound when more tokens arrive than it keeps', () => {
    const { memory } = results
    expect(memory.cacheEntries).toBe(memory.bound)
    expect(memory.cacheEntriesAfter).toBe(memory.bound)
    expect(memory.heapGrowthBytes).toBeGreaterThan(0)
  })

  it('charts every target in the SVG', () => {
    const svg = readFileSync(join(out, 'ratios.svg'), 'utf8')
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true)
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true)
    for (const name of ['Express', 'Nest', 'passport-facebook-token', 'debug_token', 'heap'])
      expect(svg).toContain(name)
    expect(svg).not.toMatch(/NaN|undefined|Infinity/)
  })

  it('times the hot path with @opentelemetry/api absent (looked for once, nothing loaded), off, without an SDK and with one', () => {
    const o = results.openTelemetry
    expect(o.absentLookups).toBe(1)
    for (const variant of ['absent', 'off', 'api', 'sdk'] as const) {
      expect(o.nsPerVerification[variant].median).toBeGreaterThan(0)
    }
    expect(stdout).toContain('## OpenTelemetry on the hot path')
  })
})
