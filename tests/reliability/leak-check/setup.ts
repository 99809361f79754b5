/**
 * The suite-wide leak check, a vitest `setupFiles` entry of every package: records every raw token and
 * secret the emulator issues during a test file, captures what the tests write to stdout, stderr and
 * the console, and fails the test (afterEach) or the file (afterAll) in which one of them shows up.
 */
import { format } from 'node:util'
import { afterAll, afterEach } from 'vitest'
import { LeakDetector } from './leak-detector.js'

const detector = new LeakDetector()
let captured: string[] = []
/** The end of the text already checked, so that a value split across two checks is still found. */
let tail = ''
const restore: Array<() => void> = []

for (const stream of [process.stdout, process.stderr]) {
  const original = stream.write
  stream.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
    captured.push(typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk))
    return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest)
  } as typeof stream.write
  restore.push(() => {
    stream.write = original
  })
}
for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
  const original = console[method]
  console[method] = (...args: unknown[]) => {
    captured.push(format(...args))
    original.apply(console, args)
  }
  restore.push(() => {
    console[method] = original
  })
}

function check(where: string): void {
  const text = tail + captured.join('')
  captured = []
  tail = text.slice(-1024)
  if (detector.find(text).length > 0) tail = '' // report a leak once, in the test that printed it
  detector.assertClean(text, where)
}

afterEach((context) => {
  check(`the output of "${context.task.name}"`)
})

afterAll(() => {
  try {
    check('the output of this test file')
  } finally {
    for (const undo of restore.splice(0)) undo()
    detector.close()
  }
})
