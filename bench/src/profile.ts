// `pnpm --filter @tokens/bench profile`: where a warm request's CPU time goes in one benchmarked server.
// Starts it with `--cpu-prof` (and `--trace-deopt` with --deopt), warms it up, loads it with a fixed
// number of requests, and summarizes the samples taken during that load only, in µs per request.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { profileServer } from './profile-bench.js'
import type { ServerKind } from './server-config.js'
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
    const p = await profileServer(world, args.kind, {
      requests: args.requests,
      connections: 32,
      warmupSeconds: 3,
      execArgv: args.deopt ? ['--trace-deopt'] : [],
      dir,
      top: args.top,
    })
    const lines = [
      `${p.kind}: ${p.requests} requests at 32 connections, profiler on`,
      `server CPU per request (process.cpuUsage): ${us(p.cpuMicrosPerRequest)} µs`,
      `sampled per request, idle excluded:       ${us(p.busyMicros)} µs (GC ${p.gcMicros.toFixed(2)} µs)`,
      '',
      `self time, top ${args.top} (µs per request):`,
      ...p.top.map((f) => `${us(f.selfMicros)}  ${f.name}`),
      '',
      "@tokens' own functions (µs per request: total, with callees; self):",
      ...p.ours.map((f) => `${us(f.totalMicros)} ${us(f.selfMicros)}  ${f.name}`),
      '',
      `profile in ${dir}`,
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
