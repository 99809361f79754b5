import type { Clock } from './clock.js'
import type { UsagePreset } from './types.js'

/** The `X-App-Usage` header value: percentages of the hourly budget. */
export interface AppUsage {
  call_count: number
  total_time: number
  total_cputime: number
}

interface UsageWindow {
  start: number
  calls: number
  preset: UsagePreset
}

const HOUR = 3600

function percent(value: number): number {
  return Math.max(0, Math.min(100, Math.floor(value)))
}

/**
 * A real hourly call budget per app (`X-App-Usage`) or per Page (`X-Business-Use-Case-Usage`): counts
 * calls, reports percentages and says when to throttle.
 */
export class UsageMeter {
  readonly #windows = new Map<string, UsageWindow>()

  constructor(
    private readonly budget: number,
    private readonly clock: Clock,
  ) {
    if (!Number.isInteger(budget) || budget <= 0) throw new TypeError('callBudgetPerHour must be a positive integer')
  }

  #window(appId: string): UsageWindow {
    const now = this.clock.now()
    const current = this.#windows.get(appId)
    if (current && now < current.start + HOUR && now >= current.start) return current
    const fresh: UsageWindow = { start: now, calls: 0, preset: {} }
    this.#windows.set(appId, fresh)
    return fresh
  }

  /** The current percentages for an app (the window resets once the clock passes the hour). */
  usage(appId: string): AppUsage {
    const { calls, preset } = this.#window(appId)
    const used = (calls * 100) / this.budget
    return {
      call_count: percent((preset.callCount ?? 0) + used),
      total_time: percent((preset.totalTime ?? 0) + used / 2),
      total_cputime: percent((preset.totalCputime ?? 0) + used / 2),
    }
  }

  /** Whether the app has spent its budget: any percentage at 100. */
  throttled(appId: string): boolean {
    const u = this.usage(appId)
    return u.call_count >= 100 || u.total_time >= 100 || u.total_cputime >= 100
  }

  /** Counts one call against the app's budget. */
  record(appId: string): void {
    this.#window(appId).calls += 1
  }

  /** Presets percentages for the current hour window. */
  preset(appId: string, preset: UsagePreset): void {
    for (const [name, value] of Object.entries(preset)) {
      if (value !== undefined && (typeof value !== 'number' || value < 0 || value > 100)) {
        throw new TypeError(`setUsage: ${name} must be a percentage between 0 and 100`)
      }
    }
    this.#window(appId).preset = { ...preset }
  }

  /** Seconds until the current window of `id` ends and its budget comes back. */
  secondsToReset(id: string): number {
    const { start } = this.#window(id)
    return Math.max(0, start + HOUR - this.clock.now())
  }

  /** Calls counted in the current window, per app (for the admin state). */
  snapshot(): Record<string, AppUsage & { calls: number }> {
    const out: Record<string, AppUsage & { calls: number }> = {}
    for (const appId of this.#windows.keys()) out[appId] = { ...this.usage(appId), calls: this.#window(appId).calls }
    return out
  }
}
