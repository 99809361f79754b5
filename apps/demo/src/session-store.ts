import session, { type SessionData } from 'express-session'

/** Limits of {@link BoundedSessionStore}. */
export interface BoundedSessionStoreOptions {
  /** Sessions of signed-in users kept at most; the oldest goes first. @default 10_000 */
  maxSignedIn?: number
  /** Sessions of logins under way (the OAuth `state` between the dialog and the callback). @default 1_000 */
  maxPending?: number
  /** Milliseconds since the epoch. @default Date.now */
  now?: () => number
}

function signedIn(data: SessionData): boolean {
  return (data as { passport?: { user?: unknown } }).passport?.user !== undefined
}

function expiresAt(data: SessionData): number {
  const expires = data.cookie?.expires
  return expires ? new Date(expires).getTime() : Number.POSITIVE_INFINITY
}

/**
 * An in-memory session store that cannot grow without bound: sessions expire with their cookie,
 * and each kind has a cap past which the oldest is evicted. Logins under way (anyone can start one)
 * have their own, smaller cap, so a flood of them never pushes a signed-in user out.
 */
export class BoundedSessionStore extends session.Store {
  readonly #signedIn = new Map<string, string>()
  readonly #pending = new Map<string, string>()
  readonly #maxSignedIn: number
  readonly #maxPending: number
  readonly #now: () => number

  constructor(options: BoundedSessionStoreOptions = {}) {
    super()
    this.#maxSignedIn = options.maxSignedIn ?? 10_000
    this.#maxPending = options.maxPending ?? 1_000
    this.#now = options.now ?? Date.now
  }

  /** Sessions held: signed-in users and logins under way. */
  get size(): { signedIn: number; pending: number } {
    return { signedIn: this.#signedIn.size, pending: this.#pending.size }
  }

  override get(sid: string, callback: (error: unknown, session?: SessionData | null) => void): void {
    const json = this.#signedIn.get(sid) ?? this.#pending.get(sid)
    const data = json === undefined ? undefined : (JSON.parse(json) as SessionData)
    if (data !== undefined && expiresAt(data) <= this.#now()) this.#forget(sid)
    callback(null, data === undefined || expiresAt(data) <= this.#now() ? null : data)
  }

  override set(sid: string, data: SessionData, callback?: (error?: unknown) => void): void {
    this.#forget(sid)
    const [sessions, max] = signedIn(data) ? [this.#signedIn, this.#maxSignedIn] : [this.#pending, this.#maxPending]
    sessions.set(sid, JSON.stringify(data))
    // Oldest first (a Map keeps insertion order, and a write re-inserts): drop the expired, then the excess.
    const now = this.#now()
    for (const [id, json] of sessions) {
      if (sessions.size <= max && expiresAt(JSON.parse(json) as SessionData) > now) break
      sessions.delete(id)
    }
    callback?.()
  }

  override touch(sid: string, data: SessionData, callback?: () => void): void {
    if (this.#signedIn.has(sid) || this.#pending.has(sid)) this.set(sid, data)
    callback?.()
  }

  override destroy(sid: string, callback?: (error?: unknown) => void): void {
    this.#forget(sid)
    callback?.()
  }

  override length(callback: (error: unknown, length?: number) => void): void {
    callback(null, this.#signedIn.size + this.#pending.size)
  }

  override clear(callback?: (error?: unknown) => void): void {
    this.#signedIn.clear()
    this.#pending.clear()
    callback?.()
  }

  #forget(sid: string): void {
    this.#signedIn.delete(sid)
    this.#pending.delete(sid)
  }
}
