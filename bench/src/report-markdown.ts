import { BREAKDOWN_STEPS } from './breakdown-bench.js'
import type { Results, Throughput } from './results.js'
import { targetsOf } from './targets.js'

const rps = (n: number) => Math.round(n).toLocaleString('en-US')
const ms = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(1))
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1)

function throughputRow(label: string, t: Throughput): string {
  return `| ${label} | ${rps(t.rps)} | ${ms(t.p50Ms)} | ${ms(t.p99Ms)} | ${t.failures} |`
}

function breakdownRows(r: Results): string[] {
  const micros = r.breakdown.microsPerRequest
  const bare = micros['express-bare']
  // The last step (the real middleware) is compared with bare, the others with the step before.
  return BREAKDOWN_STEPS.map((step, i) => {
    const previous = i === 0 ? undefined : BREAKDOWN_STEPS[i === BREAKDOWN_STEPS.length - 1 ? 0 : i - 1]
    const delta = previous === undefined ? '' : `${(micros[step.kind] - micros[previous.kind]).toFixed(1)}`
    const share = `${((micros[step.kind] / bare - 1) * 100).toFixed(1)} %`
    const [low, high] = r.breakdown.rangeMicros[step.kind]
    const range = `${low.toFixed(1)}–${high.toFixed(1)}`
    return `| ${step.kind} | ${step.adds} | ${micros[step.kind].toFixed(1)} | ${range} | ${delta} | ${i === 0 ? '' : share} |`
  })
}

/** The results as Markdown: the context, each figure, and where each target stands. */
export function reportMarkdown(r: Results): string {
  const { express, nest, versus, coldBurst, memory, sharedCache, fastify } = r
  const lines = [
    `# Benchmarks${r.quick ? ' (quick run)' : ''}`,
    '',
    `- Date: ${r.date}`,
    `- Machine: ${r.machine}`,
    `- Node: ${r.node}`,
    `- Command: \`${r.command}\``,
    `- Each throughput figure is the median of ${r.runs} run(s) of ${r.seconds} s at ${r.connections} connections,` +
      ' autocannon in its own process, every server in its own process.',
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
    '',
    '## Figures',
    '',
    '| benchmark | figure | value |',
    '|---|---|--:|',
    `| 1. Express overhead | tokens() / bare req/s | ${express.ratio.toFixed(3)} |`,
    `| 2. Nest overhead | TokenGuard / bare req/s | ${nest.ratio.toFixed(3)} |`,
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
    '## What the Express overhead is made of',
    '',
    `Server CPU per request (median of ${r.runs} run(s) of ${r.breakdown.requestsPerRun.toLocaleString('en-US')} requests,` +
      ` ${r.connections} connections, read in each server's process), each server adding one step to the one before.` +
      ' A difference smaller than the spread of the runs is noise.',
    '',
    '| step | adds | µs CPU / request | runs (min–max) | + µs | share of bare |',
    '|---|---|--:|--:|--:|--:|',
    ...breakdownRows(r),
    '',
    '## Targets (issue 9)',
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
