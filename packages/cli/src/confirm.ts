import { createInterface } from 'node:readline'
import type { Writable } from 'node:stream'
import type { CliIO } from './output.js'

/** Asks a yes/no question on the terminal (stderr); only `y` or `yes` is a yes. */
export async function confirm(io: CliIO, question: string): Promise<boolean> {
  const rl = createInterface({ input: io.stdin, output: io.stderr as unknown as Writable, terminal: false })
  try {
    io.stderr.write(`${question} [y/N] `)
    const answer = await new Promise<string>((resolve) => {
      rl.once('line', resolve)
      rl.once('close', () => resolve(''))
    })
    return /^y(es)?$/i.test(answer.trim())
  } finally {
    rl.close()
  }
}
