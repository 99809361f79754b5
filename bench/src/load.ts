import { firstMessage, forkEntry } from './child-process.js'
import type { LoadReply, LoadResult, LoadTarget } from './load-spec.js'

/** Runs autocannon against `targets` at the same time, in a fresh load-generator process. */
export async function runLoad(targets: readonly LoadTarget[]): Promise<LoadResult[]> {
  const child = forkEntry('load-main')
  const reply = firstMessage<LoadReply>(child)
  child.send({ targets })
  const { results } = await reply
  return results
}

/** One target. */
export async function runLoadOne(target: LoadTarget): Promise<LoadResult> {
  const [result] = await runLoad([target])
  return result as LoadResult
}
