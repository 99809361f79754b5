// A child process of the OpenTelemetry benchmark (open-telemetry-bench.ts): one core, one warm token,
// then `verifications` calls of the hot path (`tryAuthenticate` answered from the in-process cache),
// their CPU time measured. Which OpenTelemetry the core meets is the variant (argv[2]); the runner preloads
// hide-open-telemetry.cjs for `absent`.
import { createTokens, type Tokens } from '@tokens/core'
import type { OpenTelemetrySample, OpenTelemetryVariant } from './open-telemetry-bench.js'
import type { ServerConfig } from './server-config.js'

/** Registers the SDK as an application does: every span sampled and batched, metrics aggregated. */
async function registerSdk(): Promise<void> {
  const { metrics, trace } = await import('@opentelemetry/api')
  const { BasicTracerProvider, BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base')
  const { MeterProvider, InMemoryMetricExporter, AggregationTemporality, PeriodicExportingMetricReader } = await import(
    '@opentelemetry/sdk-metrics'
  )
  // An exporter that drops what it is given: the cost measured is the core's and the SDK's, not a network's.
  const exporter = {
    export: (_spans: unknown, done: (result: { code: 0 }) => void) => done({ code: 0 }),
    shutdown: async () => {},
  }
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] }))
  const reader = new PeriodicExportingMetricReader({
    exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
    exportIntervalMillis: 3_600_000,
  })
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }))
}

/**
 * CPU time (user + system, ns) of one warm verification over `count`: the process's own time, which the
 * other work on the machine leaves out (wall time would count the moments it waited for a core).
 */
function hotPath(core: Tokens, req: { headers: Record<string, string> }, count: number): number {
  const started = process.cpuUsage()
  for (let i = 0; i < count; i++) {
    const token = core.tryAuthenticate(req)
    if (token === undefined || token instanceof Promise) throw new Error('the token was not answered from the cache')
  }
  const { user, system } = process.cpuUsage(started)
  return ((user + system) * 1000) / count
}

async function main(): Promise<void> {
  const variant = process.argv[2] as OpenTelemetryVariant
  const { config, token, verifications } = JSON.parse(process.env.TOKENS_BENCH_OPEN_TELEMETRY ?? '{}') as {
    config: ServerConfig
    token: string
    verifications: number
  }
  if (variant === 'sdk') await registerSdk()
  const core = createTokens({
    appId: config.appId,
    appSecret: config.appSecret,
    graphUrl: config.graphUrl,
    clock: () => config.nowMs,
    openTelemetry: variant !== 'off',
  })
  const req = { headers: { authorization: `Bearer ${token}` } }
  await core.authenticate(req) // the one Graph call: the token is cached from here on
  hotPath(core, req, Math.ceil(verifications / 4)) // warm-up (JIT)
  const sample: OpenTelemetrySample = {
    nsPerVerification: hotPath(core, req, verifications),
    apiLookups: (globalThis as { openTelemetryLookups?: number }).openTelemetryLookups ?? 0,
  }
  await core.close()
  process.send?.(sample)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
