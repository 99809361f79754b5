import { randomBytes, randomInt } from 'node:crypto'
import { reportIssued } from './issued-secrets.js'

/** Lifetimes, in seconds, as Graph hands them out. */
export const SHORT_LIVED_SECONDS = 7200
export const LONG_LIVED_SECONDS = 5183944
export const SIXTY_DAYS_SECONDS = 5184000
export const DATA_ACCESS_SECONDS = 90 * 86400
export const CODE_TTL_SECONDS = 600

const ALPHANUMERIC = /[^A-Za-z0-9]/g

function alphanumeric(length: number): string {
  let out = ''
  while (out.length < length) out += randomBytes(length).toString('base64').replace(ALPHANUMERIC, '')
  return out.slice(0, length)
}

/** A user, page or system-user token: `EAA` then a variable-length opaque alphanumeric body. */
export function newBearerToken(): string {
  return reportIssued(`EAA${alphanumeric(randomInt(150, 230))}`)
}

/** An issued app token: `{app_id}|{opaque}`, as `client_credentials` returns. */
export function newAppToken(appId: string): string {
  return reportIssued(`${appId}|${randomBytes(randomInt(18, 24)).toString('base64url')}`)
}

/** An authorization code from the login dialog. */
export function newAuthorizationCode(): string {
  return reportIssued(`AQ${randomBytes(randomInt(200, 260)).toString('base64url')}`)
}

/** An app secret: 32 lowercase hex characters. */
export function newSecret(): string {
  return reportIssued(randomBytes(16).toString('hex'))
}

/** An fbtrace_id / x-fb-trace-id value. */
export function newTraceId(): string {
  return alphanumeric(11)
}

/** Splits `{app_id}|{rest}`; `null` for anything else. */
export function splitAppToken(raw: string): { appId: string; rest: string } | null {
  const bar = raw.indexOf('|')
  if (bar <= 0 || bar === raw.length - 1) return null
  const appId = raw.slice(0, bar)
  if (!/^\d+$/.test(appId)) return null
  return { appId, rest: raw.slice(bar + 1) }
}

const PT_FORMAT = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/Los_Angeles',
  weekday: 'long',
  day: '2-digit',
  month: 'short',
  year: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
  timeZoneName: 'short',
})

/** Formats unix seconds like Graph's expiry messages: `Tuesday, 05-Mar-24 10:00:00 PST`. */
export function graphDate(seconds: number): string {
  const parts = Object.fromEntries(PT_FORMAT.formatToParts(new Date(seconds * 1000)).map((p) => [p.type, p.value]))
  return `${parts.weekday}, ${parts.day}-${parts.month}-${parts.year} ${parts.hour}:${parts.minute}:${parts.second} ${parts.timeZoneName}`
}
