import { alternatingRuns, type MeasuredRun, measuredRun, type RunShape, warmUp } from './alternating-runs.js'
import type { BenchOptions } from './bench-options.js'
import { summarize } from './overhead-bench.js'
import type { LimitedLoginVersus } from './results.js'
import { startServer } from './server-process.js'
import { spreadOf } from './statistics.js'
import type { World } from './world.js'

/** How long the bench's ID tokens live: past any run, on the emulator's frozen clock and on the peer's real one. */
const TOKEN_LIFETIME_SECONDS = 24 * 3600

/** `count` Limited Login ID tokens of the bench's app, each for a new user, signed by the emulator. */
function idTokens(world: World, count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const user = world.emu.createUser({ name: `Limited ${i}` })
    return world.emu.issueLimitedLoginToken({ appId: world.app.id, userId: user.id, lifetime: TOKEN_LIFETIME_SECONDS })
  })
}

/**
 * The same Express route behind `requireToken('limited_login')` and behind express-oauth2-jwt-bearer's
 * `auth()` (a peer that verifies the JWT against the JWKS on every request), both against the
 * emulator's JWKS, with bare Express as the ceiling: all three up at once in their own processes.
 *
 * - **Repeated token:** `pairs` alternating rounds over the three servers with one token, each run
 *   reading its server's CPU time: req/s ratios and server CPU per request within each round.
 * - **First sight:** rounds of `requests` tokens never seen before (new ones every round, the same
 *   ones for both servers, each with its own cache), order alternating.
 */
export async function limitedLoginBench(world: World, options: BenchOptions): Promise<LimitedLoginVersus> {
  const { pairs, requests, firstSightRequests, firstSightRounds } = options.limitedLogin
  const bare = await startServer(world.config('express-bare'))
  const ours = await startServer(world.config('express-limited-login'))
  const peer = await startServer(world.config('express-jwt-bearer'))
  try {
    const shape: RunShape = { connections: options.connections, requests, tokens: idTokens(world, 1) }
    await warmUp([bare, ours, peer], options.warmupSeconds, shape)
    const rounds = await alternatingRuns([bare, ours, peer], pairs, shape)
    const perRound = rounds.map(([b, o, p]) => {
      const [bareRun, oursRun, peerRun] = [b, o, p] as [MeasuredRun, MeasuredRun, MeasuredRun]
      return {
        ratio: oursRun.rps / peerRun.rps,
        bareCpuMicros: bareRun.cpuMicrosPerRequest,
        oursCpuMicros: oursRun.cpuMicrosPerRequest,
        peerCpuMicros: peerRun.cpuMicrosPerRequest,
      }
    })
    const first: Array<{ ours: MeasuredRun; peer: MeasuredRun }> = []
    for (let round = 0; round < firstSightRounds; round++) {
      const fresh: RunShape = {
        connections: options.connections,
        requests: firstSightRequests,
        tokens: idTokens(world, firstSightRequests),
      }
      if (round % 2 === 0) {
        const o = await measuredRun(ours, fresh)
        first.push({ ours: o, peer: await measuredRun(peer, fresh) })
      } else {
        const p = await measuredRun(peer, fresh)
        first.push({ ours: await measuredRun(ours, fresh), peer: p })
      }
    }
    const all = [...rounds.flat(), ...first.flatMap((r) => [r.ours, r.peer])]
    return {
      pairs,
      requestsPerRun: requests,
      repeated: {
        bare: summarize(rounds.map(([b]) => b as MeasuredRun)),
        tokens: summarize(rounds.map(([, o]) => o as MeasuredRun)),
        peer: summarize(rounds.map(([, , p]) => p as MeasuredRun)),
        ratioSpread: spreadOf(perRound.map((r) => r.ratio)),
        bareRatioSpread: spreadOf(rounds.map(([b, , p]) => (b as MeasuredRun).rps / (p as MeasuredRun).rps)),
        addedCpuMicros: {
          tokens: spreadOf(perRound.map((r) => r.oursCpuMicros - r.bareCpuMicros)),
          peer: spreadOf(perRound.map((r) => r.peerCpuMicros - r.bareCpuMicros)),
        },
        addedCpuRatioSpread: spreadOf(
          perRound.map((r) => (r.peerCpuMicros - r.bareCpuMicros) / (r.oursCpuMicros - r.bareCpuMicros)),
        ),
      },
      firstSight: {
        rounds: firstSightRounds,
        requestsPerRun: firstSightRequests,
        tokens: summarize(first.map((r) => r.ours)),
        peer: summarize(first.map((r) => r.peer)),
        ratioSpread: spreadOf(first.map((r) => r.ours.rps / r.peer.rps)),
        cpuMicrosPerRequest: {
          tokens: spreadOf(first.map((r) => r.ours.cpuMicrosPerRequest)),
          peer: spreadOf(first.map((r) => r.peer.cpuMicrosPerRequest)),
        },
      },
      failures: all.reduce((sum, r) => sum + r.failures, 0),
    }
  } finally {
    await Promise.all([bare.stop(), ours.stop(), peer.stop()])
  }
}
