import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** One app instance in a separate Node process (test/fixtures/cache-worker.mjs), over IPC. */
export class Worker {
  readonly #child: ChildProcess
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  #next = 0
  output = ''

  constructor() {
    this.#child = fork(fileURLToPath(new URL('./fixtures/cache-worker.mjs', import.meta.url)), [], { silent: true })
    this.#child.stdout?.on('data', (chunk: Buffer) => {
      this.output += chunk.toString()
    })
    this.#child.stderr?.on('data', (chunk: Buffer) => {
      this.output += chunk.toString()
    })
    this.#child.on('message', (message: { id: number; result?: unknown; error?: string }) => {
      const pending = this.#pending.get(message.id)
      this.#pending.delete(message.id)
      if (message.error !== undefined) pending?.reject(new Error(message.error))
      else pending?.resolve(message.result)
    })
  }

  call<T>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = this.#next++
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
      this.#child.send({ id, op, ...args })
    })
  }

  verify(tokens: string[]): Promise<string[]> {
    return this.call('verify', { tokens })
  }

  /** Kills the process at once, as a crash would. */
  async kill(): Promise<void> {
    const exited = new Promise((resolve) => this.#child.once('exit', resolve))
    this.#child.kill('SIGKILL')
    await exited
  }

  async stop(): Promise<void> {
    await this.call('close').catch(() => {})
    const exited = new Promise((resolve) => this.#child.once('exit', resolve))
    this.#child.kill()
    await exited
  }
}

/** `items` in an order of their own for each `seed` (a small LCG): each process meets the tokens in another order. */
export function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items]
  let s = seed
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31
    const j = s % (i + 1)
    ;[out[i], out[j]] = [out[j] as T, out[i] as T]
  }
  return out
}
