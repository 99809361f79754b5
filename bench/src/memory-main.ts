// The memory benchmark's process (run with --expose-gc): verifies distinct tokens against the
// emulator with a bounded in-process cache and measures the heap after full collections.
import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { createTokens, LruVerificationCache } from '@tokens/core'
import type { MemoryReply, MemoryRequest } from './memory-spec.js'

const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error('run with --expose-gc')

/**
 * Graph call timeout here. Each call's `AbortSignal.timeout` keeps a timer (~250 B) alive until it
 * fires, whatever the answer, and then until a FinalizationRegistry callback after a GC: the heap is
 * measured once the last ones have fired and been cleaned up.
 */
const TIMEOUT_MS = 1000
/** Verifications of a token that Graph did not answer in time, before it counts as failed. */
const ATTEMPTS = 3

async function heapUsed(): Promise<number> {
  await sleep(TIMEOUT_MS + 100)
  for (let i = 0; i < 4; i++) {
    gc?.()
    await sleep(20) // lets FinalizationRegistry cleanups run between collections
  }
  gc?.()
  return process.memoryUsage().heapUsed
}

async function main(request: MemoryRequest): Promise<MemoryReply> {
  // The tokens live off-heap (a Buffer); each string is made when verified, as a request's header
  // would be, so the heap holds only what the cache keeps.
  const file = readFileSync(request.tokensFile)
  const starts = new Int32Array(request.warmup + request.tokens + request.beyondBound + 1)
  let line = 0
  for (let i = 0; i < file.length && line < starts.length - 1; i++) {
    if (i === 0 || file[i - 1] === 10) starts[line++] = i
  }
  starts[line] = file.length
  const tokenAt = (i: number) => file.toString('latin1', starts[i] as number, (starts[i + 1] as number) - 1)

  const bound = request.warmup + request.tokens
  const cache = new LruVerificationCache({ maxEntries: bound, clock: () => request.nowMs })
  const tokens = createTokens({
    appId: request.appId,
    appSecret: request.appSecret,
    graphUrl: request.graphUrl,
    clock: () => request.nowMs,
    cache,
    maxConcurrentVerifications: 64,
    timeoutMs: TIMEOUT_MS,
  })
  let rejected = 0
  const verifyRange = async (from: number, to: number) => {
    let next = from
    const worker = async () => {
      while (next < to) {
        const i = next++
        // On a loaded machine a Graph call can miss the 1 s deadline: try again, as a client would.
        for (let attempt = 1; ; attempt++) {
          const done = await tokens.verify(tokenAt(i)).then(
            () => true,
            (error: unknown) => {
              if (attempt < ATTEMPTS && (error as { code?: unknown }).code === 'graph_unavailable') return false
              rejected++
              return true
            },
          )
          if (done) break
        }
      }
    }
    await Promise.all(Array.from({ length: 64 }, worker))
  }

  await verifyRange(0, request.warmup)
  const heapBefore = await heapUsed()
  await verifyRange(request.warmup, bound)
  const heapAfter = await heapUsed()
  const cacheEntries = cache.size
  await verifyRange(bound, bound + request.beyondBound)
  const heapAfterBeyondBound = await heapUsed()
  const reply = { heapBefore, heapAfter, heapAfterBeyondBound, cacheEntries, cacheEntriesAfter: cache.size, rejected }
  await tokens.close()
  return reply
}

main(JSON.parse(process.argv[2] ?? '{}') as MemoryRequest).then(
  (reply) => process.send?.(reply, () => process.exit(0)),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
