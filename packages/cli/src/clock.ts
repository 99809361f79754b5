import { usage } from './failure.js'

/**
 * The tool's clock: the real time, or a fixed instant given with `--now` (or `TOKENS_NOW`): ISO 8601
 * or milliseconds since the epoch. Tests pin it to the emulator's frozen clock; users ask "what will
 * have expired by then?". The core verifies with the same clock.
 */
export function clockOf(now: string | undefined): () => number {
  if (now === undefined || now === '') return Date.now
  const ms = /^\d+$/.test(now) ? Number(now) : Date.parse(now)
  if (!Number.isFinite(ms)) throw usage(`--now: '${now}' is not a time (ISO 8601, e.g. 2025-01-31T12:00:00Z)`)
  return () => ms
}

const UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 }

/** A duration such as `90m`, `12h`, `7d` or `2w`, in ms. */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+)\s*([smhdw])$/.exec(text.trim())
  if (match === null) throw usage(`${flag}: '${text}' is not a duration (e.g. 12h, 7d, 2w)`)
  return Number(match[1]) * (UNITS[match[2] as string] as number) * 1000
}

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'always' })

/** `2025-01-31 12:00 UTC`. */
export function formatTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`
}

/** `in 3 days`, `5 hours ago`, `in 20 minutes`. */
export function formatRelative(ms: number, now: number): string {
  const seconds = Math.round((ms - now) / 1000)
  const abs = Math.abs(seconds)
  if (abs < 5) return 'now'
  if (abs < 90) return relative.format(seconds, 'second')
  if (abs < 90 * 60) return relative.format(Math.round(seconds / 60), 'minute')
  if (abs < 48 * 3600) return relative.format(Math.round(seconds / 3600), 'hour')
  return relative.format(Math.round(seconds / 86_400), 'day')
}

/** `2025-01-31 12:00 UTC (in 3 days)`, or `never` for `null`. */
export function formatWhen(ms: number | null, now: number, never = 'never'): string {
  return ms === null ? never : `${formatTime(ms)} (${formatRelative(ms, now)})`
}

/** ISO 8601, or `null`. */
export function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString()
}
