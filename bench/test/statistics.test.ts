import { describe, expect, it } from 'vitest'
import { parseBenchOptions } from '../src/bench-options.js'
import { median, spreadOf } from '../src/statistics.js'

describe('spreadOf', () => {
  it('gives the median, the quartiles (interpolated) and the extremes, whatever the order', () => {
    expect(spreadOf([4, 1, 3, 2, 5])).toEqual({ median: 3, q1: 2, q3: 4, min: 1, max: 5 })
    expect(spreadOf([1, 2, 3, 4])).toEqual({ median: 2.5, q1: 1.75, q3: 3.25, min: 1, max: 4 })
    expect(spreadOf([7])).toEqual({ median: 7, q1: 7, q3: 7, min: 7, max: 7 })
  })

  it('is NaN throughout for no values, like median', () => {
    expect(Object.values(spreadOf([])).every(Number.isNaN)).toBe(true)
    expect(median([])).toBeNaN()
  })
})

describe('parseBenchOptions', () => {
  it('measures each overhead of a full run as the median of at least 10 alternating pairs', () => {
    const full = parseBenchOptions([], '/tmp/results')
    expect(full.overhead.pairs).toBeGreaterThanOrEqual(10)
    expect(full.breakdown.rounds).toBeGreaterThanOrEqual(10)
    expect(full.outDir).toBe('/tmp/results')
  })

  it('keeps --quick small and writes it apart from the full results', () => {
    const quick = parseBenchOptions(['--quick'], '/tmp/results')
    expect(quick.overhead.pairs).toBeLessThan(10)
    expect(quick.outDir).toBe('/tmp/results/quick')
    expect(() => parseBenchOptions(['--fast'], '/tmp/results')).toThrow(TypeError)
  })
})
