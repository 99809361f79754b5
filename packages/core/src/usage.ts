/**
 * `X-App-Usage` / `X-Page-Usage`: percentages of the hourly budget (throttled at 100).
 *
 * @example
 * ```ts
 * import type { AppUsage } from '@tokens/core'
 * function peak(usage: AppUsage): number {
 *   return Math.max(usage.callCount, usage.totalTime, usage.totalCputime)
 * }
 * const appUsage = tokens.usage.app
 * if (appUsage !== undefined && peak(appUsage) >= 90) console.warn('Graph throttles the app at 100%')
 * ```
 */
export interface AppUsage {
  callCount: number
  totalTime: number
  totalCputime: number
}

/**
 * One entry of `X-Business-Use-Case-Usage`.
 *
 * @example
 * ```ts
 * import type { BusinessUseCaseUsage } from '@tokens/core'
 * for (const [businessId, entries] of Object.entries(tokens.usage.businessUseCase)) {
 *   const throttled: BusinessUseCaseUsage[] = entries.filter((entry) => entry.estimatedTimeToRegainAccess > 0)
 *   for (const entry of throttled) {
 *     console.warn(`${businessId} ${entry.type}: wait ${entry.estimatedTimeToRegainAccess} min`)
 *   }
 * }
 * ```
 */
export interface BusinessUseCaseUsage {
  type: string
  callCount: number
  totalTime: number
  totalCputime: number
  /** Minutes until the limit lifts; 0 when not throttled. */
  estimatedTimeToRegainAccess: number
}

/**
 * The latest rate-limit readings from Graph's response headers.
 *
 * @example
 * ```ts
 * import type { GraphUsage } from '@tokens/core'
 * const usage: GraphUsage = tokens.usage
 * if (usage.updatedAt !== undefined) {
 *   console.log({ app: usage.app?.callCount, page: usage.page?.callCount, at: new Date(usage.updatedAt) })
 * }
 * ```
 */
export interface GraphUsage {
  app: AppUsage | undefined
  page: AppUsage | undefined
  businessUseCase: Record<string, BusinessUseCaseUsage[]>
  /** When the readings were taken (ms since the epoch), or `undefined` before any call. */
  updatedAt: number | undefined
}

function percent(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0
}

function parseJson(header: string | null): unknown {
  if (header === null || header.length > 65_536) return undefined
  try {
    return JSON.parse(header)
  } catch {
    return undefined
  }
}

function parseAppUsage(header: string | null): AppUsage | undefined {
  const value = parseJson(header)
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  const v = value as Record<string, unknown>
  return { callCount: percent(v.call_count), totalTime: percent(v.total_time), totalCputime: percent(v.total_cputime) }
}

function parseBusinessUseCase(header: string | null): Record<string, BusinessUseCaseUsage[]> | undefined {
  const value = parseJson(header)
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  const out: Record<string, BusinessUseCaseUsage[]> = {}
  for (const [id, entries] of Object.entries(value)) {
    if (!Array.isArray(entries)) continue
    out[id] = entries
      .filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null)
      .map((e) => ({
        type: typeof e.type === 'string' ? e.type : 'unknown',
        callCount: percent(e.call_count),
        totalTime: percent(e.total_time),
        totalCputime: percent(e.total_cputime),
        estimatedTimeToRegainAccess: percent(e.estimated_time_to_regain_access),
      }))
  }
  return out
}

/** An empty reading. */
export function emptyUsage(): GraphUsage {
  return { app: undefined, page: undefined, businessUseCase: {}, updatedAt: undefined }
}

/** Folds the usage headers of one response into `usage`; malformed headers are ignored. */
export function readUsage(usage: GraphUsage, headers: Headers, now: number): GraphUsage {
  const app = parseAppUsage(headers.get('x-app-usage'))
  const page = parseAppUsage(headers.get('x-page-usage'))
  const buc = parseBusinessUseCase(headers.get('x-business-use-case-usage'))
  if (app === undefined && page === undefined && buc === undefined) return usage
  return {
    app: app ?? usage.app,
    page: page ?? usage.page,
    businessUseCase: buc ? { ...usage.businessUseCase, ...buc } : usage.businessUseCase,
    updatedAt: now,
  }
}

/**
 * The highest percentage of the app's own hourly budget (`X-App-Usage`), which every `debug_token`
 * call spends. Business use case budgets are per Page or ad account, and do not stop verification.
 */
export function appUsagePeak(usage: GraphUsage): number {
  const app = usage.app
  return app === undefined ? 0 : Math.max(app.callCount, app.totalTime, app.totalCputime)
}

/** Seconds until Graph lets us back in, from the business-use-case headers (at least `floor`). */
export function secondsToRegainAccess(usage: GraphUsage, floor: number): number {
  let minutes = 0
  for (const entries of Object.values(usage.businessUseCase)) {
    for (const e of entries) minutes = Math.max(minutes, e.estimatedTimeToRegainAccess)
  }
  return Math.max(floor, Math.ceil(minutes * 60))
}
