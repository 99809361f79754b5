// `pnpm --filter @tokens/bench profile`: where a warm request's CPU time goes in one benchmarked server.
// Starts it with `--cpu-prof` (and `--trace-deopt` with --deopt), warms it up, loads it with a fixed
// number of requests, and summarizes the samples taken during that load only, in µs per request.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type RunShape, warmUp } from './alternating-runs.js'
import { type CpuProfile, summarizeProfile } from './cpu-profile.js'
import { runLoadOne } from './load.js'
import type { ServerKind } from './server-config.js'
import { startServer } from './server-process.js'
import { createWorld } from './world.js'

function parseArgs(argv: readonly string[]) {
  const args = { kind: 'express-tokens' as ServerKind, requests: 200_000, top: 25, deopt: false, out: '' }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--kind') args.kind = argv[++i] as ServerKind
    else if (arg === '--requests') args.requests = Number(argv[++i])
    else if (arg === '--top') args.top = Number(argv[++i])
    else if (arg === '--out') args.out = argv[++i] as string
    else if (arg === '--deopt') args.deopt = true
    else if (arg !== '--')
      throw new TypeError(`unknown argument ${arg}: use --kind, --requests, --top, --out <dir>, --deopt`)
  }
  return args
}

const us = (n: number) => n.toFixed(2).padStart(7)

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  const dir = args.out || mkdtempSync(join(tmpdir(), 'tokens-bench-profile-'))
  const world = await createWorld()
  try {
    const execArgv = ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...(args.deopt ? ['--trace-deopt'] : [])]
    const server = await startServer(world.config(args.kind), execArgv)
    const shape: RunShape = { connections: 32, requests: args.requests, tokens: world.newTokens(1) }
    await warmUp([server], 3, shape)
    const before = await server.usage()
    const result = await runLoadOne({ url: server.url, connections: 32, amount: args.requests, tokens: shape.tokens })
    const after = await server.usage()
    await server.stop()
    const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'))
    if (file === undefined) throw new Error(`no .cpuprofile in ${dir}`)
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile
    const summary = summarizeProfile(profile, before.monotonicMicros, after.monotonicMicros, result.requests)
    const lines = [
      `${args.kind}: ${result.requests} requests at 32 connections, ${Math.round(result.rps)} req/s (profiler on)`,
      `server CPU per request (process.cpuUsage): ${us((after.cpuMicros - before.cpuMicros) / result.requests)} µs`,
      `sampled per request, idle excluded:       ${us(summary.busyMicros)} µs (GC ${summary.gcMicros.toFixed(2)} µs)`,
      '',
      `self time, top ${args.top} (µs per request):`,
      ...summary.functions
        .sort((a, b) => b.selfMicros - a.selfMicros)
        .slice(0, args.top)
        .map((f) => `${us(f.selfMicros)}  ${f.name}`),
      '',
      "@tokens' own functions (µs per request: total, with callees; self):",
      ...summary.functions
        .filter((f) => /^\S+ packages\//.test(f.name))
        .sort((a, b) => b.totalMicros - a.totalMicros)
        .map((f) => `${us(f.totalMicros)} ${us(f.selfMicros)}  ${f.name}`),
      '',
      `profile: ${join(dir, file)}`,
    ]
    writeFileSync(join(dir, 'summary.txt'), `${lines.join('\n')}\n`)
    process.stdout.write(`${lines.join('\n')}\n`)
  } finally {
    await world.close()
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
