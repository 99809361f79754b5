/** The p-th percentile (0-100) of ascending `sorted` values, nearest rank; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number
}

/** The median of `values` (mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/**
 * Where the values of a repeated measurement lie: the median, the quartiles (the middle half of the
 * values is between `q1` and `q3`) and the extremes. Two figures whose quartiles overlap are not
 * told apart by the measurement.
 */
export interface Spread {
  median: number
  q1: number
  q3: number
  min: number
  max: number
}

/** The q-quantile (0-1) of ascending `sorted` values, interpolated between neighbours. */
function quantile(sorted: readonly number[], q: number): number {
  const at = (sorted.length - 1) * q
  const low = Math.floor(at)
  const lower = sorted[low] as number
  const upper = sorted[Math.min(low + 1, sorted.length - 1)] as number
  return lower + (upper - lower) * (at - low)
}

/** The {@link Spread} of `values`; every field NaN when there are none. */
export function spreadOf(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b)
  if (sorted.length === 0)
    return { median: Number.NaN, q1: Number.NaN, q3: Number.NaN, min: Number.NaN, max: Number.NaN }
  return {
    median: median(sorted),
    q1: quantile(sorted, 0.25),
    q3: quantile(sorted, 0.75),
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
  }
}
