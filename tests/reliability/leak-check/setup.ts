/**
 * The suite-wide leak check, a vitest `setupFiles` entry of every package: records every raw token and
 * secret the emulator issues during a test file, captures what the tests write to stdout, stderr and
 * the console, every event and error the core publishes (its diagnostics channels, from any core
 * instance), the headers and body of every `fetch` response that did not come from the emulator, and
 * what a test exported (its OpenTelemetry spans and metrics, through `checkExported`), and fails the
 * test (afterEach) or the file (afterAll) in which one of them shows up. Exported telemetry must not
 * hold a token's `appsecret_proof` or full SHA-256 either.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { format } from 'node:util'
import { TOKENS_ERROR_CHANNEL, TOKENS_EVENT_CHANNEL } from '@tokens/core'
import { afterAll, afterEach } from 'vitest'
import { exportedReaders } from './exported.js'
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

// Events and errors: JSON of each event; the message of each error and of its causes. Identical
// texts (a flood of the same refusal) are kept once per check.
const published = new Set<string>()
const onEvent = (event: unknown) => void published.add(JSON.stringify(event))
const onError = (error: unknown) => {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) published.add(e.message)
}
subscribe(TOKENS_EVENT_CHANNEL, onEvent)
subscribe(TOKENS_ERROR_CHANNEL, onError)
restore.push(() => {
  unsubscribe(TOKENS_EVENT_CHANNEL, onEvent)
  unsubscribe(TOKENS_ERROR_CHANNEL, onError)
})

// Responses our servers give (the emulator's own answers carry tokens by design: Graph's
// `x-fb-trace-id` or the admin API's path tells them apart).
const reading = new Set<Promise<void>>()
const originalFetch = globalThis.fetch
globalThis.fetch = async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
  const response = await originalFetch(input, init)
  const fromEmulator = response.headers.has('x-fb-trace-id') || /^https?:\/\/[^/]+\/__admin/.test(response.url)
  if (!fromEmulator) {
    captured.push([...response.headers].map(([name, value]) => `${name}: ${value}`).join('\n'))
    const body = response
      .clone()
      .text()
      .then(
        (text) => void captured.push(text),
        () => undefined, // the test aborted or the body failed: nothing more arrived to check
      )
    reading.add(body)
    void body.finally(() => reading.delete(body))
  }
  return response
}
restore.push(() => {
  globalThis.fetch = originalFetch
})

/** Waits for the bodies still being read, at most `ms` (a stream that never ends is not waited for). */
async function bodiesRead(ms: number): Promise<void> {
  if (reading.size === 0) return
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms)
  })
  await Promise.race([Promise.allSettled([...reading]), late])
  clearTimeout(timer)
}

/** Reads what the tests exported (spans, metrics) and checks it, proofs and hashes included. */
async function checkExports(where: string): Promise<void> {
  const texts: string[] = []
  for (const read of exportedReaders()) texts.push(await read())
  if (texts.length > 0) detector.assertClean(texts.join('\n'), `the exported telemetry of ${where}`, true)
}

function check(where: string): void {
  for (const text of published) captured.push(text)
  published.clear()
  const text = tail + captured.join('')
  captured = []
  tail = text.slice(-1024)
  if (detector.find(text).length > 0) tail = '' // report a leak once, in the test that printed it
  detector.assertClean(text, where)
}

afterEach(async (context) => {
  await bodiesRead(2000)
  check(`the output, events, errors or responses of "${context.task.name}"`)
  await checkExports(`"${context.task.name}"`)
})

afterAll(async () => {
  await bodiesRead(2000)
  try {
    check('the output, events, errors or responses of this test file')
    await checkExports('this test file')
  } finally {
    for (const undo of restore.splice(0)) undo()
    detector.close()
  }
})
