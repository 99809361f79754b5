import type { Results } from './results.js'

/** One target of issue 9, with where this run stands. */
export interface Target {
  name: string
  /** The measured ratio, as charted. */
  value: number
  /** The target on the same scale. */
  goal: number
  /** `min`: the value must reach the goal; `max`: stay under it; `exact`: equal it. */
  kind: 'min' | 'max' | 'exact'
  shown: string
  /** The goal in the figure's own unit. */
  goalShown: string
  met: boolean
}

const times = (n: number) => `${n.toFixed(2)}×`

/** Heap growth past the LRU bound, as a fraction of the bounded cache's own heap, still counted as "no growth". */
export const BOUND_SLACK = 0.25

/** The targets of issue 9, each as a ratio whose goal is a fixed line. */
export function targetsOf(r: Results): Target[] {
  const { coldBurst, sharedCache, memory, versus } = r
  const oneProcess = coldBurst.debugTokenCalls
  const speedup = versus.p50.facebookToken / versus.p50.graphToken
  const beyond = memory.heapGrowthBeyondBoundBytes / memory.heapGrowthBytes
  const min = (value: number, goal: number) => ({
    value,
    goal,
    kind: 'min' as const,
    goalShown: `≥ ${goal}×`,
    met: value >= goal,
  })
  return [
    { name: 'Express: tokens() / bare req/s', shown: times(r.express.ratio), ...min(r.express.ratio, 0.95) },
    { name: 'Nest: TokenGuard / bare req/s', shown: times(r.nest.ratio), ...min(r.nest.ratio, 0.95) },
    {
      name: 'Fastify: tokens plugin / bare req/s',
      shown: times(r.fastify.overhead.ratio),
      ...min(r.fastify.overhead.ratio, 0.95),
    },
    { name: 'p50 speed-up vs passport-facebook-token', shown: times(speedup), ...min(speedup, 20) },
    { name: 'req/s vs passport-facebook-token', shown: times(versus.load.ratio), ...min(versus.load.ratio, 5) },
    {
      name: 'Fastify: req/s vs passport-facebook-token (@fastify/passport)',
      shown: times(r.fastify.versus.load.ratio),
      ...min(r.fastify.versus.load.ratio, 5),
    },
    {
      name: 'debug_token calls per token, 1 process',
      value: Math.max(...oneProcess) / coldBurst.tokens,
      goal: 1,
      kind: 'exact',
      shown: `${oneProcess.join(', ')} for ${coldBurst.tokens}`,
      goalShown: `= ${coldBurst.tokens}`,
      met: oneProcess.every((calls) => calls === coldBurst.tokens),
    },
    {
      name: 'debug_token calls per token, 2 processes',
      value: sharedCache.debugTokenCalls.twoProcesses / sharedCache.tokens,
      goal: 1,
      kind: 'exact',
      shown: `${sharedCache.debugTokenCalls.twoProcesses} for ${sharedCache.tokens}`,
      goalShown: `= ${sharedCache.tokens}`,
      met: sharedCache.debugTokenCalls.twoProcesses === sharedCache.tokens,
    },
    {
      name: 'heap per cached verification',
      value: memory.bytesPerVerification / 700,
      goal: 1,
      kind: 'max',
      shown: `${Math.round(memory.bytesPerVerification)} B`,
      goalShown: '≤ 700 B',
      met: memory.bytesPerVerification <= 700,
    },
    {
      name: 'heap growth past the LRU bound',
      value: beyond,
      goal: BOUND_SLACK,
      kind: 'max',
      shown: `${(beyond * 100).toFixed(1)}% of the cache's heap`,
      goalShown: `≤ ${BOUND_SLACK * 100}%`,
      met: beyond <= BOUND_SLACK && memory.cacheEntriesAfter === memory.bound,
    },
  ]
}
