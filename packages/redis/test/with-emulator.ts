import { type Emulator, startEmulator } from '@tokens/emulator'
import { afterAll, beforeAll } from 'vitest'
import { startRedis, type TestRedis } from './redis-server.js'

/** What {@link useRedisAndEmulator} starts for a test file: a `redis-server` and a frozen-clock emulator. */
export interface RedisAndEmulator {
  readonly server: TestRedis
  readonly emu: Emulator
}

/** Starts a `redis-server` and an emulator before the file's tests and stops both after them. */
export function useRedisAndEmulator(): RedisAndEmulator {
  let server: TestRedis | undefined
  let emu: Emulator | undefined
  beforeAll(async () => {
    server = await startRedis()
    emu = await startEmulator({ port: 0, now: 1_750_000_000, freezeClock: true })
  })
  afterAll(async () => {
    await emu?.close()
    await server?.stop()
  })
  return {
    get server() {
      if (server === undefined) throw new Error('redis-server is not started yet')
      return server
    },
    get emu() {
      if (emu === undefined) throw new Error('the emulator is not started yet')
      return emu
    },
  }
}
