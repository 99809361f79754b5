/** The parts of a V8 `.cpuprofile` (what `node --cpu-prof` writes) that a summary reads. */
export interface CpuProfile {
  nodes: Array<{
    id: number
    /** `lineNumber` and `columnNumber` count from 0. */
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber?: number }
    children?: number[]
  }>
  /** µs, on the process's monotonic clock (`process.hrtime`). */
  startTime: number
  /** The node sampled at each tick, and the µs since the tick before. */
  samples: number[]
  timeDeltas: number[]
}

/** A function's share of a window of the profile, in µs per request. */
export interface FunctionTime {
  /** `name file:line`, the file shortened to its package (`express/lib/router…`, `packages/core/dist/…`). */
  name: string
  /** Time in the function itself. */
  selfMicros: number
  /** Time in it and everything it called (a recursion counted once). */
  totalMicros: number
}

export interface ProfileSummary {
  /** Sampled time per request in the window, idle excluded. */
  busyMicros: number
  /** …of which V8's garbage collector. */
  gcMicros: number
  functions: FunctionTime[]
}

const IDLE = new Set(['(idle)', '(program)'])

type CallFrame = CpuProfile['nodes'][number]['callFrame']

/**
 * Where a built file's position comes from (its source map), as a path and a 0-based line; `undefined`
 * when the file has none.
 */
export type SourceResolver = (url: string, line: number, column: number) => { path: string; line: number } | undefined

/** `name file:line`, with the path cut to what says which package it is, in the source when `resolve` knows it. */
function frameName(frame: CallFrame, resolve?: SourceResolver): string {
  const source = resolve?.(frame.url, frame.lineNumber, frame.columnNumber ?? 0)
  const file = (source?.path ?? frame.url)
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\/\.pnpm\/[^/]+\/node_modules\//, '')
    .replace(/^.*\/(packages|bench)\//, '$1/')
  return `${frame.functionName || '(anonymous)'} ${file}:${(source?.line ?? frame.lineNumber) + 1}`
}

/**
 * Self and total time per function over the samples taken between `from` and `to` (µs on the
 * profile's clock), divided by `requests`: what each function costs a request in that window.
 * `resolve` names a built function by its source file and line.
 */
export function summarizeProfile(
  profile: CpuProfile,
  from: number,
  to: number,
  requests: number,
  resolve?: SourceResolver,
): ProfileSummary {
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  const names = new Map(profile.nodes.map((node) => [node.id, frameName(node.callFrame, resolve)]))
  const self = new Map<string, number>()
  const total = new Map<string, number>()
  let busy = 0
  let gc = 0
  let at = profile.startTime
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0
    at += delta
    if (at < from || at > to) continue
    const id = profile.samples[i] as number
    const name = names.get(id) as string
    if (IDLE.has(name.split(' ', 1)[0] as string)) continue
    busy += delta
    if (name.startsWith('(garbage collector)')) gc += delta
    self.set(name, (self.get(name) ?? 0) + delta)
    const seen = new Set<string>()
    for (let node: number | undefined = id; node !== undefined; node = parent.get(node)) {
      const frame = names.get(node) as string
      if (seen.has(frame)) continue
      seen.add(frame)
      total.set(frame, (total.get(frame) ?? 0) + delta)
    }
  }
  const functions = [...total].map(([name, micros]) => ({
    name,
    selfMicros: (self.get(name) ?? 0) / requests,
    totalMicros: micros / requests,
  }))
  return { busyMicros: busy / requests, gcMicros: gc / requests, functions }
}
