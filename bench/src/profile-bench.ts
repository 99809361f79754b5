import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { SourceMap } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, resolve as resolvePath } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type RunShape, warmUp } from './alternating-runs.js'
import { type CpuProfile, type FunctionTime, type SourceResolver, summarizeProfile } from './cpu-profile.js'
import { runLoadOne } from './load.js'
import type { ServerKind } from './server-config.js'
import { startServer } from './server-process.js'
import type { World } from './world.js'

/** Where a warm request's CPU time goes in one server, sampled by V8's profiler (`--cpu-prof`). */
export interface ServerProfile {
  kind: ServerKind
  requests: number
  /** Server CPU per request over the window (`process.cpuUsage`), the profiler running. */
  cpuMicrosPerRequest: number
  /** Sampled time per request, idle excluded, and the garbage collector's part of it. */
  busyMicros: number
  gcMicros: number
  /** The @tokens packages' functions (per request: total with callees, and self), by total. */
  ours: FunctionTime[]
  /** The functions with the most self time, whoever's they are. */
  top: FunctionTime[]
}

export interface ProfileOptions {
  requests: number
  connections: number
  warmupSeconds: number
  /** More flags for the server's Node (`--trace-deopt`). */
  execArgv?: readonly string[]
  /** Keep the `.cpuprofile` here; without it, a temporary directory is removed afterwards. */
  dir?: string
  /** How many functions `top` lists. @default 15 */
  top?: number
}

/**
 * Names the built files of the @tokens packages (`packages/<name>/dist/…`) by their sources, through
 * the source maps next to them, so that `(anonymous) dist/index.js:120` reads
 * `(anonymous) packages/express/src/authenticate-request.ts:29`.
 */
export function packageSources(): SourceResolver {
  const maps = new Map<string, SourceMap | undefined>()
  return (url, line, column) => {
    if (!/\/packages\/[^/]+\/dist\//.test(url)) return undefined
    let map = maps.get(url)
    if (!maps.has(url)) {
      const file = `${fileURLToPath(url)}.map`
      map = existsSync(file) ? new SourceMap(JSON.parse(readFileSync(file, 'utf8'))) : undefined
      maps.set(url, map)
    }
    const entry = map?.findEntry(line, column) as { originalSource?: string; originalLine?: number } | undefined
    if (entry?.originalSource === undefined || entry.originalLine === undefined) return undefined
    const path = entry.originalSource.startsWith('file:') ? fileURLToPath(entry.originalSource) : entry.originalSource
    return { path: resolvePath(dirname(fileURLToPath(url)), path), line: entry.originalLine }
  }
}

/** A function of the @tokens packages, named `name packages/…:line`. */
export const isOurs = (f: FunctionTime) => /^\S+ packages\//.test(f.name)

/**
 * Starts the server of `kind` with `--cpu-prof`, warms it up, loads it with `requests` requests and
 * summarizes only the samples taken during that load (the server's monotonic clock, read before and
 * after, is the profile's clock), per request. The profiler costs time of its own: compare functions
 * within one profile, not with the unprofiled runs.
 */
export async function profileServer(world: World, kind: ServerKind, options: ProfileOptions): Promise<ServerProfile> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'tokens-bench-profile-'))
  try {
    const execArgv = ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...(options.execArgv ?? [])]
    const server = await startServer(world.config(kind), execArgv)
    let window: { from: number; to: number; cpu: number; requests: number }
    try {
      const shape: RunShape = {
        connections: options.connections,
        requests: options.requests,
        tokens: world.newTokens(1),
      }
      await warmUp([server], options.warmupSeconds, shape)
      const before = await server.usage()
      const result = await runLoadOne({
        url: server.url,
        connections: shape.connections,
        amount: shape.requests,
        tokens: shape.tokens,
      })
      const after = await server.usage()
      if (result.failures > 0) throw new Error(`${result.failures} failed requests while profiling ${kind}`)
      window = {
        from: before.monotonicMicros,
        to: after.monotonicMicros,
        cpu: after.cpuMicros - before.cpuMicros,
        requests: result.requests,
      }
    } finally {
      await server.stop() // the profile is written when the process exits
    }
    const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'))
    if (file === undefined) throw new Error(`no .cpuprofile in ${dir}`)
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile
    const summary = summarizeProfile(profile, window.from, window.to, window.requests, packageSources())
    return {
      kind,
      requests: window.requests,
      cpuMicrosPerRequest: window.cpu / window.requests,
      busyMicros: summary.busyMicros,
      gcMicros: summary.gcMicros,
      ours: summary.functions.filter(isOurs).sort((a, b) => b.totalMicros - a.totalMicros),
      top: [...summary.functions].sort((a, b) => b.selfMicros - a.selfMicros).slice(0, options.top ?? 15),
    }
  } finally {
    if (options.dir === undefined) rmSync(dir, { recursive: true, force: true })
  }
}
