import type { Answer, RawRequest, World } from './world.js'

/** One request of a load run and what came back. */
export interface Shot<K extends string> {
  kind: K
  status: number
  retryAfter: string | undefined
  challenge: string | undefined
}

/**
 * A bounded load generator: sends `total` requests, `concurrency` at a time over kept-alive sockets,
 * each built by `next(i)`, and records every answer. Count-based, never time-based.
 */
export async function load<K extends string>(
  w: World,
  base: string,
  total: number,
  concurrency: number,
  next: (i: number) => { kind: K; request: RawRequest },
): Promise<Array<Shot<K>>> {
  const shots: Array<Shot<K>> = []
  let sent = 0
  async function worker(): Promise<void> {
    while (sent < total) {
      const { kind, request } = next(sent++)
      const answer: Answer = await w.send(base, request)
      shots.push({
        kind,
        status: answer.status,
        retryAfter: header(answer, 'retry-after'),
        challenge: header(answer, 'www-authenticate'),
      })
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return shots
}

function header(answer: Answer, name: string): string | undefined {
  const value = answer.headers[name]
  return Array.isArray(value) ? value.join(', ') : value
}

/** `{ status: count }` of some shots, for assertions that print well. */
export function statuses<K extends string>(shots: Array<Shot<K>>, kind?: K): Record<number, number> {
  const counts: Record<number, number> = {}
  for (const shot of shots)
    if (kind === undefined || shot.kind === kind) counts[shot.status] = (counts[shot.status] ?? 0) + 1
  return counts
}
