import type { Output } from './output.js'

const WIDTH = 24

/**
 * A progress bar on stderr, drawn only when stderr is a terminal and the output is not `--json`;
 * otherwise silent. Cleared when done.
 */
export class Progress {
  readonly #output: Output
  readonly #label: string
  readonly #total: number
  readonly #visible: boolean
  #done = 0

  constructor(output: Output, label: string, total: number) {
    this.#output = output
    this.#label = label
    this.#total = total
    this.#visible = output.interactive && !output.json && total > 1
    this.#draw()
  }

  tick(): void {
    this.#done++
    this.#draw()
  }

  end(): void {
    if (this.#visible) this.#output.errRaw('\r\x1b[K')
  }

  #draw(): void {
    if (!this.#visible) return
    const filled = Math.round((this.#done / this.#total) * WIDTH)
    const bar = `${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)}`
    this.#output.errRaw(`\r${this.#label} ${bar} ${this.#done}/${this.#total}`)
  }
}

/** Runs `work` on every item, at most `limit` at a time; stops starting new ones after a failure. */
export async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0
  let failed = false
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next++] as T
      try {
        await work(item)
      } catch (error) {
        failed = true
        throw error
      }
    }
  }
  const results = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker))
  const rejected = results.find((result): result is PromiseRejectedResult => result.status === 'rejected')
  if (rejected !== undefined) throw rejected.reason
}
