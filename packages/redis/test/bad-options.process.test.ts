import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, startRedis, type TestRedis } from './redis-server.js'

let server: TestRedis
beforeAll(async () => {
  server = await startRedis()
})
afterAll(async () => {
  await server.stop()
})

const script = fileURLToPath(new URL('./fixtures/construct-with-bad-options.mjs', import.meta.url))

interface Outcome {
  /** How the process ended: its exit code, or 'still running' if it had to be killed. */
  exit: number | 'still running'
  thrown?: { name: string; message: string; code?: string }
}

/** Runs a Node process that builds `factory` with `options`; waits at most `limitMs` for it to exit by itself. */
function construct(factory: string, url: string, options: Record<string, unknown>, limitMs = 4000) {
  const child = spawn(
    process.execPath,
    [script, factory, url, JSON.stringify(options)],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH } }, // TOKENS_TEST_UNSET_KEY is not set
  )
  let out = ''
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString()
  })
  child.stderr.resume()
  return new Promise<Outcome>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      resolve({ exit: 'still running', ...JSON.parse(out || '{}') })
    }, limitMs)
    child.on('exit', (code) => {
      clearTimeout(timer)
      const line = JSON.parse(out || '{}') as { thrown?: boolean; name: string; message: string; code?: string }
      resolve({ exit: code ?? -1, ...(line.thrown ? { thrown: line } : {}) })
    })
  })
}

/** An option read from an environment variable the child process does not have. */
const unset = { $env: 'TOKENS_TEST_UNSET_KEY' }

describe('bad options at startup leave no Redis client running: the process exits by itself', () => {
  const cases: Array<[factory: string, options: Record<string, unknown>, named: RegExp]> = [
    ['redisStore', { encryption: { keys: { k1: unset }, currentKeyId: 'k1' } }, /encryption\.keys\.k1/],
    ['redisStore', { encryption: { keys: { k1: 'short' }, currentKeyId: 'k1' } }, /encryption\.keys\.k1/],
    ['redisStore', { timeoutMs: 0 }, /timeoutMs/],
    ['redisStore', { prefix: 'has space' }, /prefix/],
    ['redisStore', { onError: 'log' }, /onError/],
    ['redisStore', { onEvictingPolicy: 'ignore' }, /onEvictingPolicy/],
    ['redisCache', { localMaxEntries: 0 }, /localMaxEntries/],
    ['redisCache', { onError: 'log' }, /onError/],
  ]
  for (const [factory, options, named] of cases) {
    it(`${factory}(${JSON.stringify(options).replace(JSON.stringify(unset), 'process.env.UNSET')}) throws a TypeError naming the option`, async () => {
      const outcome = await construct(factory, server.url, options)
      expect(outcome.thrown).toMatchObject({ name: 'TypeError', message: expect.stringMatching(named) })
      expect(outcome.thrown?.code).toBeUndefined() // not Node's raw ERR_INVALID_ARG_TYPE
      expect(outcome.exit).toBe(0)
    })
  }

  it('the same holds when Redis is unreachable (no reconnection timer left behind)', async () => {
    const nowhere = `redis://127.0.0.1:${await freePort()}`
    const outcome = await construct('redisStore', nowhere, {
      encryption: { keys: { k1: unset }, currentKeyId: 'k1' },
    })
    expect(outcome).toMatchObject({ exit: 0, thrown: { name: 'TypeError' } })
  })
})
