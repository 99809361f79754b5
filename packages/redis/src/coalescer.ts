import { randomBytes } from 'node:crypto'
import type { CachedVerification } from '@tokens/core'
import type { Connection } from './connection.js'

/** What the coalescer needs from the cache it serves. */
export interface CoalescerOptions {
  prefix: string
  /** The Redis key of `key`'s shared entry. */
  entryKey(key: string): string
  /** The Redis key of `key`'s lock: in the entry's slot, on a cluster. */
  lockKey(key: string): string
  waitMs: number
  lockTtlMs: number
  pollMs: number
  clock: () => number
  /** Reads the shared entry of `key` (and keeps it locally); throws while Redis is down. */
  fetch(key: string): Promise<CachedVerification | undefined>
  /** Keeps an entry found in Redis in the local layer. */
  remember(key: string, entry: CachedVerification): void
  report(error: unknown): void
}

type WaitResult = { entry: CachedVerification } | 'retry' | 'fail' | 'timeout'

// KEYS: lock; ARGV: holder id, [ttl]. Releases (no ttl) or renews the lock only if we still hold it.
const LOCK = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return redis.call('DEL', KEYS[1])`

/** Carries the holder's own `load` failure out, so it is not mistaken for a Redis error. */
class LoadError extends Error {
  constructor(cause: unknown) {
    super('load failed', { cause })
  }
}

/**
 * Cross-process coalescing: per key, one process holds a short Redis lock (`SET NX PX`, renewed
 * while it lives) and runs `load`; the others wait for its result (a message on `<prefix>done`,
 * sharded pub/sub on a cluster, or polling) within `waitMs`. A dead holder's lock expires within `lockTtlMs`; when the holder fails,
 * Redis is down, or the wait runs out, the waiter runs `load` itself.
 */
export class Coalescer {
  readonly #conn: Connection
  readonly #o: CoalescerOptions
  readonly #waiters = new Map<string, Set<(signal: 'ok' | 'fail' | 'tick') => void>>()

  constructor(conn: Connection, options: CoalescerOptions) {
    this.#conn = conn
    this.#o = options
  }

  /** The pub/sub channel holders announce their results on. */
  get channel(): string {
    return `${this.#o.prefix}done`
  }

  async run(key: string, load: () => Promise<CachedVerification>): Promise<CachedVerification> {
    const deadline = Date.now() + this.#o.waitMs
    try {
      while (Date.now() < deadline) {
        const holder = randomBytes(12).toString('hex')
        const locked = await this.#conn.run((c) => c.set(this.#lockKey(key), holder, 'PX', this.#o.lockTtlMs, 'NX'))
        if (locked === 'OK') return await this.#hold(key, holder, load)
        const result = await this.#wait(key, deadline)
        if (typeof result === 'object') return result.entry
        if (result !== 'retry') break
      }
    } catch (error) {
      if (error instanceof LoadError) throw error.cause
      this.#o.report(error)
    }
    return load()
  }

  /** A message on {@link channel}: `<key>:ok` or `<key>:fail`. */
  notify(message: string): void {
    const at = message.lastIndexOf(':')
    const signal = message.slice(at + 1) === 'ok' ? 'ok' : 'fail'
    for (const wake of this.#waiters.get(message.slice(0, at)) ?? []) wake(signal)
  }

  async #hold(key: string, holder: string, load: () => Promise<CachedVerification>): Promise<CachedVerification> {
    const lockKey = this.#lockKey(key)
    const { lockTtlMs } = this.#o
    const renew = setInterval(
      () => this.#conn.run((c) => c.eval(LOCK, 1, lockKey, holder, lockTtlMs)).catch(() => {}),
      Math.max(1, Math.floor(lockTtlMs / 3)),
    )
    let outcome: 'ok' | 'fail' = 'fail'
    try {
      // Someone may have finished between our cache miss and our lock.
      const done = await this.#o.fetch(key).catch(() => undefined)
      if (done !== undefined && done.freshUntil > this.#o.clock()) {
        outcome = 'ok'
        return done
      }
      try {
        const entry = await load() // the core writes the entry through the cache's set() before this resolves
        outcome = 'ok'
        return entry
      } catch (error) {
        throw new LoadError(error)
      }
    } finally {
      clearInterval(renew)
      const message = `${key}:${outcome}`
      await this.#conn
        .run(async (c) => {
          if (!this.#conn.cluster) return c.multi().eval(LOCK, 1, lockKey, holder).publish(this.channel, message).exec()
          // On a cluster the channel is sharded (its own slot): released, then announced.
          await c.eval(LOCK, 1, lockKey, holder)
          return c.spublish(this.channel, message)
        })
        .catch((e) => this.#o.report(e))
    }
  }

  async #wait(key: string, deadline: number): Promise<WaitResult> {
    for (;;) {
      const replies = await this.#conn.run((c) =>
        c.multi().get(this.#o.entryKey(key)).exists(this.#lockKey(key)).exec(),
      )
      const json = replies?.[0]?.[1]
      const held = replies?.[1]?.[1]
      const entry = typeof json === 'string' ? (JSON.parse(json) as CachedVerification) : undefined
      if (entry !== undefined && entry.freshUntil > this.#o.clock()) {
        this.#o.remember(key, entry)
        return { entry }
      }
      if (held === 0) return 'retry'
      const left = deadline - Date.now()
      if (left <= 0) return 'timeout'
      if ((await this.#signal(key, Math.min(this.#o.pollMs, left))) === 'fail') return 'fail'
    }
  }

  /** Resolves on the holder's message for `key`, or after `ms`. */
  #signal(key: string, ms: number): Promise<'ok' | 'fail' | 'tick'> {
    return new Promise((resolve) => {
      const set = this.#waiters.get(key) ?? new Set()
      this.#waiters.set(key, set)
      const wake = (signal: 'ok' | 'fail' | 'tick') => {
        clearTimeout(timer)
        set.delete(wake)
        if (set.size === 0 && this.#waiters.get(key) === set) this.#waiters.delete(key)
        resolve(signal)
      }
      const timer = setTimeout(() => wake('tick'), ms)
      set.add(wake)
    })
  }

  #lockKey(key: string): string {
    return this.#o.lockKey(key)
  }
}
