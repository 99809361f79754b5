/** Why a verification did not get a slot: the queue was full, or its deadline passed while it waited. */
export type QueueRefusal = 'full' | 'deadline'

/** Thrown by {@link VerificationQueue.run} when a task gets no slot. */
export class QueueRefused extends Error {
  override readonly name = 'QueueRefused'
  constructor(readonly why: QueueRefusal) {
    super(why === 'full' ? 'Too many token verifications are waiting' : 'The deadline passed in the queue')
  }
}

interface Waiter {
  start: () => void
}

/**
 * Bounds how many `debug_token` calls are in flight (`size`) and how many wait for a slot
 * (`maxQueued`). A task that finds the queue full is refused at once; one whose deadline passes while
 * it waits leaves the queue (and lets go of what it holds) at that moment.
 */
export class VerificationQueue {
  #free: number
  readonly #maxQueued: number
  /** Waiters in arrival order; a `Set` so that one whose deadline passed leaves in O(1). */
  readonly #waiting = new Set<Waiter>()

  constructor(size: number, maxQueued: number) {
    this.#free = size
    this.#maxQueued = maxQueued
  }

  /** Verifications waiting for a slot now. */
  get queued(): number {
    return this.#waiting.size
  }

  async run<T>(signal: AbortSignal, task: () => Promise<T>): Promise<T> {
    if (signal.aborted) throw new QueueRefused('deadline')
    if (this.#free > 0) this.#free--
    else await this.#wait(signal)
    try {
      return await task()
    } finally {
      const next = this.#waiting.values().next().value
      if (next === undefined) this.#free++
      else {
        this.#waiting.delete(next)
        next.start()
      }
    }
  }

  #wait(signal: AbortSignal): Promise<void> {
    if (this.#waiting.size >= this.#maxQueued) return Promise.reject(new QueueRefused('full'))
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        start: () => {
          signal.removeEventListener('abort', leave)
          resolve()
        },
      }
      const leave = () => {
        this.#waiting.delete(waiter)
        reject(new QueueRefused('deadline'))
      }
      signal.addEventListener('abort', leave, { once: true })
      this.#waiting.add(waiter)
    })
  }
}
