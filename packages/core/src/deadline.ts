/**
 * The deadline of one request's wait for a verification: real time (not the core's clock, which
 * tests move), as an `AbortSignal` that fires when it passes. Its timer is cleared as soon as the
 * wait ends, so a burst of requests does not keep timers alive.
 */
export class Deadline {
  readonly #controller = new AbortController()
  readonly #timer: ReturnType<typeof setTimeout>

  constructor(ms: number) {
    this.#timer = setTimeout(() => this.#controller.abort(deadlineReason()), ms)
  }

  /** Aborts when the deadline passes, with a `TimeoutError` as its reason. */
  get signal(): AbortSignal {
    return this.#controller.signal
  }

  /** Settles like `promise`, or rejects with `onTimeout()` when the deadline passes first. */
  race<T>(promise: Promise<T>, onTimeout: () => Error): Promise<T> {
    const signal = this.#controller.signal
    if (signal.aborted) return Promise.reject(onTimeout())
    return new Promise<T>((resolve, reject) => {
      const abort = () => reject(onTimeout())
      signal.addEventListener('abort', abort, { once: true })
      promise.then(
        (value) => {
          signal.removeEventListener('abort', abort)
          resolve(value)
        },
        (error: unknown) => {
          signal.removeEventListener('abort', abort)
          reject(error)
        },
      )
    })
  }

  /** Ends the wait: the timer is cleared. */
  clear(): void {
    clearTimeout(this.#timer)
  }
}

/** The reason a deadline's signal aborts with. */
export function deadlineReason(): Error {
  return new DOMException('The deadline passed', 'TimeoutError')
}

/** Whether a signal aborted because a deadline passed (not because a caller cancelled). */
export function isDeadline(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true && (signal.reason as { name?: unknown } | undefined)?.name === 'TimeoutError'
}
