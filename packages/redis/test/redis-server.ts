import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const REDIS_SERVER = process.env.REDIS_SERVER ?? 'redis-server'

/** A port on 127.0.0.1 where nothing listens (until someone takes it). */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

/**
 * Spawns `redis-server` with `args` and resolves once it accepts connections. `spawned` gets the
 * process at once, so that a teardown reaches it even while it starts.
 */
export function spawnRedis(args: readonly string[], spawned: (proc: ChildProcess) => void): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const proc = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    spawned(proc)
    let out = ''
    const onData = (chunk: Buffer) => {
      out += chunk.toString()
      if (out.includes('Ready to accept connections')) {
        proc.stdout?.off('data', onData)
        proc.stdout?.resume()
        resolve(proc)
      }
    }
    proc.stdout?.on('data', onData)
    proc.stderr?.resume()
    proc.on('error', reject)
    proc.on('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out}`)))
  })
}

/** A throwaway `redis-server` on a free port, in a temp dir, persisting nothing. */
export interface TestRedis {
  url: string
  port: number
  /** Kills the server at once (SIGKILL), as a crash would. */
  kill(): Promise<void>
  /** Starts it again on the same port (empty: it persists nothing). */
  restart(): Promise<void>
  stop(): Promise<void>
}

/** Starts one; `args` are extra `redis-server` options (e.g. `['--maxmemory', '4mb']`). */
export async function startRedis(args: readonly string[] = []): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'tokens-redis-'))
  const port = await freePort()
  let child: ChildProcess | undefined

  const launch = async () => {
    await spawnRedis(
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...args],
      (proc) => {
        child = proc
      },
    )
  }

  const halt = async (signal: NodeJS.Signals) => {
    const proc = child
    child = undefined
    if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return
    const exited = new Promise((resolve) => proc.once('exit', resolve))
    proc.kill(signal)
    await exited
  }

  await launch()
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill: () => halt('SIGKILL'),
    restart: launch,
    async stop() {
      await halt('SIGTERM')
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
