import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BenchOptions } from './bench-options.js'
import { firstMessage, forkEntry } from './child-process.js'
import type { MemoryReply, MemoryRequest } from './memory-spec.js'
import type { Memory } from './results.js'
import type { World } from './world.js'

/**
 * Heap per cached verification: `tokens` distinct tokens verified against the emulator by a core
 * whose LRU holds exactly what was verified, in a process of its own started with --expose-gc;
 * then `beyondBound` more: the LRU stays at its bound and the heap does not grow.
 */
export async function memoryBench(world: World, options: BenchOptions): Promise<Memory> {
  const { warmup, tokens, beyondBound } = options.memory
  const dir = mkdtempSync(join(tmpdir(), 'tokens-bench-memory-'))
  try {
    const tokensFile = join(dir, 'tokens.txt')
    writeFileSync(tokensFile, `${world.newTokens(warmup + tokens + beyondBound).join('\n')}\n`)
    const config = world.config('express-tokens')
    const request: MemoryRequest = {
      graphUrl: config.graphUrl,
      appId: config.appId,
      appSecret: config.appSecret,
      nowMs: config.nowMs,
      tokensFile,
      warmup,
      tokens,
      beyondBound,
    }
    const child = forkEntry('memory-main', [JSON.stringify(request)], ['--expose-gc'])
    const reply = await firstMessage<MemoryReply>(child)
    if (reply.rejected > 0) throw new Error(`memory bench: ${reply.rejected} verifications failed`)
    const growth = reply.heapAfter - reply.heapBefore
    return {
      tokens,
      heapGrowthBytes: growth,
      bytesPerVerification: growth / tokens,
      bound: warmup + tokens,
      cacheEntries: reply.cacheEntries,
      beyondBound,
      cacheEntriesAfter: reply.cacheEntriesAfter,
      heapGrowthBeyondBoundBytes: reply.heapAfterBeyondBound - reply.heapAfter,
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
