// `pnpm bench`: runs the six benchmarks of issues 9 and 15 (and issue 20's Redis Cluster figures) and
// writes the table, JSON and chart.
import { cpus, totalmem, type } from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseBenchOptions } from './bench-options.js'
import { breakdownBench } from './breakdown-bench.js'
import { chaosBench } from './chaos-bench.js'
import { clusterBench } from './cluster-bench.js'
import { coldBurstBench } from './cold-burst-bench.js'
import { inServerBench } from './in-server-bench.js'
import { limitedLoginBench } from './limited-login-bench.js'
import { watchMachineLoad } from './machine-load.js'
import { memoryBench } from './memory-bench.js'
import { openTelemetryBench } from './open-telemetry-bench.js'
import { overheadBench } from './overhead-bench.js'
import { profileServer } from './profile-bench.js'
import { ratioChart } from './ratio-chart.js'
import { reportMarkdown } from './report-markdown.js'
import type { Results } from './results.js'
import { sharedCacheBench } from './shared-cache-bench.js'
import { versusBench } from './versus-bench.js'
import { createWorld } from './world.js'
import { writeReport } from './write-report.js'

function machine(): string {
  const list = cpus()
  return `${list.length} × ${list[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GB, ${type()} ${process.arch}`
}

const started = Date.now()
const step = (name: string) =>
  process.stderr.write(`bench: ${name}… (${Math.round((Date.now() - started) / 1000)} s)\n`)

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2), fileURLToPath(new URL('../results', import.meta.url)))
  const load = watchMachineLoad()
  const world = await createWorld()
  try {
    step('1/6 Express overhead')
    const express = await overheadBench(world, options, 'express-bare', 'express-tokens')
    step('1/6 Express overhead, step by step (server CPU per request)')
    const breakdown = await breakdownBench(world, options)
    step('1/6 Express overhead, sampled by the profiler (--cpu-prof)')
    const profile = await profileServer(world, 'express-tokens', {
      requests: options.profileRequests,
      connections: options.connections,
      warmupSeconds: options.warmupSeconds,
    })
    step('1/6 Express overhead, timed inside the servers stage by stage')
    const inServer = await inServerBench(world, options)
    step('2/6 Nest overhead')
    const nest = await overheadBench(world, options, 'nest-bare', 'nest-tokens')
    step('3/6 against passport-facebook-token')
    const versus = await versusBench(world, options, express.bare.rps)
    step('1-3/6 on Fastify: overhead, and against passport-facebook-token through @fastify/passport')
    const fastifyOverhead = await overheadBench(world, options, 'fastify-bare', 'fastify-tokens')
    const fastifyVersus = await versusBench(world, options, fastifyOverhead.bare.rps, {
      legacy: 'fastify-passport-facebook-token',
      ours: 'fastify-tokens',
    })
    step('3/6 iOS Limited Login: against express-oauth2-jwt-bearer')
    const limitedLogin = await limitedLoginBench(world, options)
    step('OpenTelemetry on the hot path: @opentelemetry/api absent, off, without an SDK, with one')
    const openTelemetry = await openTelemetryBench(world, options)
    step('4/6 cold burst')
    const coldBurst = await coldBurstBench(world, options)
    step('5/6 memory')
    const memory = await memoryBench(world, options)
    step('6/6 shared cache')
    const sharedCache = await sharedCacheBench(world, options)
    step('6/6 Redis Cluster: cold burst on four processes, warm latency')
    const cluster = await clusterBench(world, options)
    if (!options.quick) step('chaos under load (issue 10), 2,000 requests per phase')
    const chaos = options.quick ? undefined : await chaosBench(2000)
    const results: Results = {
      date: new Date().toISOString(),
      machine: machine(),
      node: process.version,
      quick: options.quick,
      runs: options.runs,
      seconds: options.seconds,
      connections: options.connections,
      command: options.quick ? 'pnpm bench --quick' : 'pnpm bench',
      load: load.stop(),
      express,
      breakdown,
      profile,
      inServer,
      nest,
      versus,
      fastify: { overhead: fastifyOverhead, versus: fastifyVersus },
      limitedLogin,
      openTelemetry,
      coldBurst,
      memory,
      sharedCache,
      cluster,
      chaos,
    }
    step('done')
    const markdown = reportMarkdown(results)
    writeReport(options.outDir, 'latest', markdown, results, { 'ratios.svg': ratioChart(results) })
  } finally {
    await world.close()
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
