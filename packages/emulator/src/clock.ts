/** The single clock of an emulator: unix seconds, optionally following real time, movable forward. */
export class Clock {
  #start: number
  #offset = 0
  #realStart = Date.now()
  #frozen: boolean

  constructor(start: number, frozen: boolean) {
    this.#start = start
    this.#frozen = frozen
  }

  /** Current emulator time in whole unix seconds. */
  now(): number {
    const real = this.#frozen ? 0 : (Date.now() - this.#realStart) / 1000
    return Math.floor(this.#start + real + this.#offset)
  }

  /** Moves the clock by `seconds` (may be negative, for tests of clock skew). */
  advance(seconds: number): number {
    if (!Number.isFinite(seconds)) throw new TypeError('advanceTime(seconds): seconds must be a finite number')
    this.#offset += seconds
    return this.now()
  }
}
