/** What the memory process is asked to do: argv[2] of `memory-main.ts`, as JSON. */
export interface MemoryRequest {
  graphUrl: string
  appId: string
  appSecret: string
  nowMs: number
  /** A file of tokens, one a line: `warmup`, then `tokens`, then `beyondBound`. */
  tokensFile: string
  warmup: number
  tokens: number
  beyondBound: number
}

/** Heap figures after full GCs, in bytes. */
export interface MemoryReply {
  heapBefore: number
  heapAfter: number
  heapAfterBeyondBound: number
  cacheEntries: number
  cacheEntriesAfter: number
  rejected: number
}
