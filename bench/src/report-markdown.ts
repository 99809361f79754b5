import type { ClusterBench, Overhead, Results, Throughput } from './results.js'
import type { Spread } from './statistics.js'
import { targetsOf } from './targets.js'

const rps = (n: number) => Math.round(n).toLocaleString('en-US')
const ms = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(1))
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1)

function throughputRow(label: string, t: Throughput): string {
  return `| ${label} | ${rps(t.rps)} | ${ms(t.p50Ms)} | ${ms(t.p99Ms)} | ${t.failures} |`
}

const us = (n: number) => n.toFixed(1)
/** `median (q1–q3; min–max)`. */
const spread = (x: Spread, f: (n: number) => string) =>
  `${f(x.median)} (${f(x.q1)}–${f(x.q3)}; ${f(x.min)}–${f(x.max)})`
const signed = (n: number) => (n > 0 ? `+${us(n)}` : us(n))

/** The warm path's stages as timed inside the servers. */
function inServerRows(r: Results): string[] {
  const ns = (value: number) => Math.round(value).toLocaleString('en-US')
  return [
    `Timed inside the servers (\`process.hrtime\` around each stage, on every request, less the cost of reading the clock;` +
      ` ${r.inServer.runs} runs of ${r.inServer.requestsPerRun.toLocaleString('en-US')} warm requests per server after a warm-up;` +
      ' median over the runs, IQR in brackets). What a stage costs where it runs, between the HTTP parser and the route:',
    '',
    '| server | stage | ns / request |',
    '|---|---|--:|',
    ...r.inServer.stages.map(
      (s) => `| \`${s.server}\` | ${s.stage} | ${ns(s.ns.median)} (${ns(s.ns.q1)}–${ns(s.ns.q3)}) |`,
    ),
  ]
}

function breakdownRows(r: Results): string[] {
  return r.breakdown.steps.map((step, i) => {
    const added = i === 0 ? '' : `${signed(step.added.median)} (${us(step.added.q1)}–${us(step.added.q3)})`
    const overBare = i === 0 ? '' : `${signed(step.overBare.median)} (${us(step.overBare.q1)}–${us(step.overBare.q3)})`
    return `| ${step.kind} | ${step.adds} | ${us(step.micros.median)} | ${added} | ${overBare} |`
  })
}

function overheadRows(label: string, o: Overhead, side: string): string[] {
  return [
    `| ${label} (${o.pairs} pairs of ${o.requestsPerRun.toLocaleString('en-US')} requests) | ${side} / bare req/s, per pair: median (IQR; min–max) | ${spread(o.ratioSpread, (n) => n.toFixed(3))} |`,
    `| | server CPU per request, bare / ${side} (medians) | ${us(o.cpuMicrosPerRequest.bare)} / ${us(o.cpuMicrosPerRequest.tokens)} µs |`,
    `| | added server CPU per warm request, per pair: median (IQR; min–max) | ${spread(o.addedCpuSpread, us)} µs |`,
    `| | server CPU per request, ${side} / bare, per pair: median (IQR; min–max) | ${spread(o.cpuRatioSpread, (n) => n.toFixed(3))} |`,
  ]
}

/** The Redis Cluster section (issue 20): the four processes' cold burst, and the warm path's latency. */
export function clusterMarkdown(c: ClusterBench): string[] {
  const row = (label: string, l: { p50Ms: number; p99Ms: number }) => `| ${label} | ${ms(l.p50Ms)} | ${ms(l.p99Ms)} |`
  return [
    '## Redis Cluster (issue 20)',
    '',
    `${c.processes} server processes (Express, \`redisCache\` with \`nodes\` and \`commandTimeoutMs: ${c.commandTimeoutMs}\`) share a local Redis Cluster of three primaries with` +
      ` one replica each. Cold burst: the same ${c.tokens} never-seen tokens sent to all ${c.processes} at once,` +
      ` ${c.requestsPerProcess.toLocaleString('en-US')} requests each, ${c.connections} connections in all, Graph answering in ${c.graphMs} ms.`,
    '',
    '| cold burst | this run |',
    '|---|--:|',
    `| distinct tokens | ${c.tokens} |`,
    `| debug_token calls, fleet-wide | ${c.debugTokenCalls} |`,
    `| highest p99 of the ${c.processes} processes | ${ms(c.burstP99Ms)} ms |`,
    `| failed requests (whole section) | ${c.failures} |`,
    '',
    `Warm path, one connection, cycling through ${c.warm.tokens} verified tokens (medians of the runs):`,
    '',
    '| cache | p50 ms | p99 ms |',
    '|---|--:|--:|',
    row('in-process only (core default)', c.warm.inProcess),
    row('`redisCache` on the cluster, answered by its in-process layer', c.warm.localLayer),
    row('`redisCache` on the cluster, one-entry in-process layer: read from the cluster', c.warm.fromCluster),
    '',
  ]
}

/** The OpenTelemetry section: the hot path per variant, against `@opentelemetry/api` absent. */
function openTelemetryRows(r: Results): string[] {
  const o = r.openTelemetry
  const ns = (n: number) => n.toFixed(0)
  const ratio = (n: number) => n.toFixed(3)
  return [
    '## OpenTelemetry on the hot path',
    '',
    `A warm token's \`tryAuthenticate\` (the in-process cache answers; no HTTP): the process's CPU time over` +
      ` ${o.verificationsPerRun.toLocaleString('en-US')} calls in one process per variant, ${o.rounds} rounds` +
      ' (order reversed every other round); each variant divided by the process without `@opentelemetry/api` of its' +
      ` round, then the median over the rounds (IQR; min–max). Without the package the core looked for it` +
      ` ${o.absentLookups} time(s), when it was built, and loaded nothing.`,
    '',
    '| @opentelemetry/api | CPU ns per verification | / without the package |',
    '|---|--:|--:|',
    `| not installed (baseline) | ${spread(o.nsPerVerification.absent, ns)} | 1 |`,
    `| installed, \`openTelemetry: false\` | ${spread(o.nsPerVerification.off, ns)} | ${spread(o.ratio.off, ratio)} |`,
    `| installed, no SDK registered (no-op tracer and meter) | ${spread(o.nsPerVerification.api, ns)} | ${spread(o.ratio.api, ratio)} |`,
    `| installed, SDK registered (every span sampled, batched; metrics aggregated) | ${spread(o.nsPerVerification.sdk, ns)} | ${spread(o.ratio.sdk, ratio)} |`,
  ]
}

/** The results as Markdown: the context, each figure, and where each target stands. */
export function reportMarkdown(r: Results): string {
  const { express, nest, versus, coldBurst, memory, sharedCache, fastify, limitedLogin: ll } = r
  const lines = [
    `# Benchmarks${r.quick ? ' (quick run)' : ''}`,
    '',
    `- Date: ${r.date}`,
    `- Machine: ${r.machine}`,
    `- Node: ${r.node}`,
    `- Command: \`${r.command}\``,
    `- Machine load during the run (1-minute load average, ${r.load.cores} cores, the benchmark itself keeps 2-3 busy):` +
      ` median ${r.load.median.toFixed(1)}, ${r.load.min.toFixed(1)}–${r.load.max.toFixed(1)}`,
    `- Overhead (1, 2): ${express.pairs} alternating pairs of runs (bare, tokens; tokens, bare; …) of` +
      ` ${express.requestsPerRun.toLocaleString('en-US')} requests at ${r.connections} connections, both servers up at once;` +
      " each pair gives a req/s ratio and the server CPU per request each side spent (read in the server's process)," +
      ' then the median over the pairs, with the quartiles (IQR) and extremes of the pairs.',
    `- Other throughput figures: the median of ${r.runs} run(s) of ${r.seconds} s at ${r.connections} connections.`,
    '- Autocannon runs in its own process, every server in its own process.',
    '',
    '## Throughput and latency',
    '',
    '| server | req/s | p50 ms | p99 ms | failed |',
    '|---|--:|--:|--:|--:|',
    throughputRow('Express, bare', express.bare),
    throughputRow("Express, tokens() + requireToken('user')", express.tokens),
    throughputRow('Nest, bare', nest.bare),
    throughputRow("Nest, TokenGuard + @RequireToken('user')", nest.tokens),
    throughputRow(`passport-facebook-token, Graph ${versus.graphMs} ms`, versus.load.facebookToken),
    throughputRow(`graph-token (@tokens/passport), Graph ${versus.graphMs} ms`, versus.load.graphToken),
    throughputRow('Fastify, bare', fastify.overhead.bare),
    throughputRow("Fastify, tokens plugin + requireToken('user')", fastify.overhead.tokens),
    throughputRow(
      `Fastify, passport-facebook-token (@fastify/passport), Graph ${fastify.versus.graphMs} ms`,
      fastify.versus.load.facebookToken,
    ),
    throughputRow(`Fastify, tokens plugin, Graph ${fastify.versus.graphMs} ms`, fastify.versus.load.graphToken),
    throughputRow('Express, bare (Limited Login rounds)', ll.repeated.bare),
    throughputRow("Limited Login, requireToken('limited_login'), repeated token", ll.repeated.tokens),
    throughputRow('Limited Login, express-oauth2-jwt-bearer, repeated token', ll.repeated.peer),
    throughputRow("Limited Login, requireToken('limited_login'), a new token every request", ll.firstSight.tokens),
    throughputRow('Limited Login, express-oauth2-jwt-bearer, a new token every request', ll.firstSight.peer),
    '',
    '## Figures',
    '',
    '| benchmark | figure | value |',
    '|---|---|--:|',
    ...overheadRows('1. Express overhead', express, 'tokens()'),
    ...overheadRows('2. Nest overhead', nest, 'TokenGuard'),
    `| 3. vs passport-facebook-token | unloaded p50 (1 connection), passport-facebook-token | ${ms(versus.p50.facebookToken)} ms |`,
    `| | unloaded p50 (1 connection), graph-token | ${ms(versus.p50.graphToken)} ms |`,
    `| | p50 graph-token / passport-facebook-token | ${versus.p50.ratio.toFixed(4)} |`,
    `| | req/s graph-token / passport-facebook-token | ${versus.load.ratio.toFixed(2)} |`,
    `| | req/s bare Express / passport-facebook-token (ceiling) | ${versus.load.bareExpressRatio.toFixed(2)} |`,
    `| | failed requests | ${versus.failures} |`,
    `| 1-3. Fastify | tokens plugin / bare req/s | ${fastify.overhead.ratio.toFixed(3)} |`,
    `| | unloaded p50 (1 connection), passport-facebook-token through @fastify/passport | ${ms(fastify.versus.p50.facebookToken)} ms |`,
    `| | unloaded p50 (1 connection), tokens plugin | ${ms(fastify.versus.p50.graphToken)} ms |`,
    `| | req/s tokens plugin / passport-facebook-token | ${fastify.versus.load.ratio.toFixed(2)} |`,
    `| | req/s bare Fastify / passport-facebook-token (ceiling) | ${fastify.versus.load.bareExpressRatio.toFixed(2)} |`,
    `| | failed requests | ${fastify.overhead.bare.failures + fastify.overhead.tokens.failures + fastify.versus.failures} |`,
    `| 3b. Limited Login vs express-oauth2-jwt-bearer (${ll.pairs} rounds of ${ll.requestsPerRun.toLocaleString('en-US')} requests, one repeated ID token) | req/s ours / theirs, per round: median (IQR; min–max) | ${spread(ll.repeated.ratioSpread, (n) => n.toFixed(2))} |`,
    `| | req/s bare Express / theirs (the ceiling of any verifier on this route) | ${spread(ll.repeated.bareRatioSpread, (n) => n.toFixed(2))} |`,
    `| | added server CPU per request over bare Express, ours | ${spread(ll.repeated.addedCpuMicros.tokens, us)} µs |`,
    `| | added server CPU per request over bare Express, theirs | ${spread(ll.repeated.addedCpuMicros.peer, us)} µs |`,
    `| | added server CPU, theirs / ours | ${spread(ll.repeated.addedCpuRatioSpread, (n) => n.toFixed(1))} |`,
    `| | first sight (${ll.firstSight.rounds} rounds of ${ll.firstSight.requestsPerRun.toLocaleString('en-US')} new tokens): req/s ours / theirs | ${spread(ll.firstSight.ratioSpread, (n) => n.toFixed(2))} |`,
    `| | first sight: server CPU per request, ours / theirs | ${us(ll.firstSight.cpuMicrosPerRequest.tokens.median)} / ${us(ll.firstSight.cpuMicrosPerRequest.peer.median)} µs |`,
    `| | failed requests | ${ll.failures} |`,
    `| 4. Cold burst (${coldBurst.requests} requests, ${coldBurst.tokens} new tokens, ${coldBurst.connections} connections, Graph ${coldBurst.graphMs} ms) | debug_token calls, per run | ${coldBurst.debugTokenCalls.join(', ')} |`,
    `| | p99 | ${ms(coldBurst.p99Ms)} ms |`,
    `| | failed requests | ${coldBurst.failures} |`,
    `| 5. Memory (${memory.tokens.toLocaleString('en-US')} distinct tokens) | heap growth | ${mb(memory.heapGrowthBytes)} MB |`,
    `| | heap per cached verification | ${Math.round(memory.bytesPerVerification)} B |`,
    `| | cache entries (bound ${memory.bound.toLocaleString('en-US')}) | ${memory.cacheEntries.toLocaleString('en-US')} |`,
    `| | after ${memory.beyondBound.toLocaleString('en-US')} more tokens: cache entries | ${memory.cacheEntriesAfter.toLocaleString('en-US')} |`,
    `| | after ${memory.beyondBound.toLocaleString('en-US')} more tokens: heap growth | ${mb(memory.heapGrowthBeyondBoundBytes)} MB |`,
    `| 6. Shared cache (Redis, ${sharedCache.tokens} new tokens) | debug_token calls, 1 process | ${sharedCache.debugTokenCalls.oneProcess} |`,
    `| | debug_token calls, 2 processes | ${sharedCache.debugTokenCalls.twoProcesses} |`,
    `| | warm req/s, 1 process | ${rps(sharedCache.rps.oneProcess)} |`,
    `| | warm req/s, 2 processes | ${rps(sharedCache.rps.twoProcesses)} |`,
    `| | 2 processes / 1 process | ${sharedCache.rps.ratio.toFixed(2)} |`,
    `| | failed requests | ${sharedCache.failures} |`,
    ...(r.chaos === undefined
      ? []
      : [
          `| 7. Chaos under load (tests/reliability, ${r.chaos.requestsPerPhase} requests per phase) | every assertion (no 500, cached users in, 503 + Retry-After, recovery, memory, handles) | ${r.chaos.passed ? 'passed' : '**failed**'} in ${r.chaos.seconds} s |`,
        ]),
    '',
    ...clusterMarkdown(r.cluster),
    ...openTelemetryRows(r),
    '',
    '## What the Express overhead is made of',
    '',
    `Server CPU per request in six servers, each adding one step to the one before, loaded in ${r.breakdown.rounds} rounds` +
      ` (every server once per round, ${r.breakdown.requestsPerRun.toLocaleString('en-US')} requests at ${r.connections} connections,` +
      " order reversed every other round; CPU read in each server's process). A step's cost is its difference with the step" +
      ' before within a round, then the median over the rounds (IQR in brackets): a step whose IQR spans 0 is not told apart from nothing.',
    '',
    '| step | adds | µs CPU / request | + µs over the step before | + µs over bare |',
    '|---|---|--:|--:|--:|',
    ...breakdownRows(r),
    '',
    `Sampled by V8's profiler (\`--cpu-prof\`) in the \`tokens()\` + \`requireToken('user')\` server over` +
      ` ${r.profile.requests.toLocaleString('en-US')} warm requests, the profiler running:` +
      ` ${us(r.profile.cpuMicrosPerRequest)} µs of CPU per request, ${us(r.profile.busyMicros)} µs sampled, of which` +
      ` ${us(r.profile.gcMicros)} µs in the garbage collector. The functions of the @tokens packages, per request` +
      " (total: with what they call, Express's `next()` and the route included where they call it; self: their own code and the engine built-ins it runs, such as Map lookups and property stores):",
    '',
    '| function | total µs | self µs |',
    '|---|--:|--:|',
    ...r.profile.ours
      .filter((f) => f.totalMicros >= 0.01)
      .map((f) => `| \`${f.name}\` | ${f.totalMicros.toFixed(2)} | ${f.selfMicros.toFixed(2)} |`),
    '',
    ...inServerRows(r),
    '',
    '## Targets (issues 9 and 15)',
    '',
    '| target | this run | goal | met |',
    '|---|--:|--:|:-:|',
    ...targetsOf(r).map((t) => `| ${t.name} | ${t.shown} | ${t.goalShown} | ${t.met ? 'yes' : '**no**'} |`),
    '',
    '![ratios](ratios.svg)',
    '',
  ]
  return lines.join('\n')
}
