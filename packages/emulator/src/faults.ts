import type { FaultOptions } from './types.js'

/** A small seeded generator (mulberry32), so `rate` picks the same requests on every run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function validate(options: FaultOptions): FaultOptions {
  const { latencyMs, status, errorCode, rate, paths } = options
  if (latencyMs !== undefined && (!Number.isFinite(latencyMs) || latencyMs < 0)) {
    throw new TypeError('setFaults: latencyMs must be a non-negative number')
  }
  if (status !== undefined && (!Number.isInteger(status) || status < 400 || status > 599)) {
    throw new TypeError('setFaults: status must be an HTTP error status (5xx)')
  }
  if (errorCode !== undefined && (!Number.isInteger(errorCode) || errorCode <= 0)) {
    throw new TypeError('setFaults: errorCode must be a positive Graph error code')
  }
  if (rate !== undefined && (!Number.isFinite(rate) || rate < 0 || rate > 1)) {
    throw new TypeError('setFaults: rate must be between 0 and 1')
  }
  if (paths !== undefined && (!Array.isArray(paths) || paths.some((p) => typeof p !== 'string'))) {
    throw new TypeError('setFaults: paths must be an array of strings')
  }
  return { ...options, paths: paths?.map((p) => (p.startsWith('/') ? p : `/${p}`).replace(/\/+$/, '')) }
}

/** Decides, per Graph request, whether and how to misbehave. */
export class FaultInjector {
  #options: FaultOptions | null = null
  #random: () => number
  readonly #seed: number

  constructor(seed: number) {
    this.#seed = seed
    this.#random = mulberry32(seed)
  }

  /** Replaces the faults (`null` clears them) and reseeds the generator. */
  set(options: FaultOptions | null): void {
    this.#options = options === null ? null : validate(options)
    this.#random = mulberry32(this.#seed)
  }

  current(): FaultOptions | null {
    return this.#options
  }

  /** The fault to apply to a request on `path` (unversioned), or `null`. */
  pick(path: string): FaultOptions | null {
    const options = this.#options
    if (!options) return null
    const { paths, rate } = options
    if (paths && !paths.some((p) => path === p || path.startsWith(`${p}/`))) return null
    if (rate !== undefined && this.#random() >= rate) return null
    return options
  }
}
