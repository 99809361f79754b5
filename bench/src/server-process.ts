import type { ChildProcess } from 'node:child_process'
import { firstMessage, forkEntry, stopChild } from './child-process.js'
import type { ServerConfig, ServerCpu, ServerReady } from './server-config.js'
import type { StageTimes } from './timed-servers.js'

/** A benchmarked server running in its own process. */
export interface ServerProcess {
  url: string
  /** The process's CPU time so far (user + system), in µs. */
  cpuMicros(): Promise<number>
  /** Its CPU time and its monotonic clock, read together. */
  usage(): Promise<ServerCpu>
  /** For a timed server: ns per request in each stage since the last call (which starts a new count). */
  stageTimes(): Promise<StageTimes>
  stop(): Promise<void>
}

/** Starts the server of `config` in a child process (with Node's `execArgv`, e.g. `--cpu-prof`) and waits until it listens. */
export async function startServer(config: ServerConfig, execArgv: readonly string[] = []): Promise<ServerProcess> {
  const child: ChildProcess = forkEntry('server-main', [JSON.stringify(config)], execArgv)
  const { port } = await firstMessage<ServerReady>(child)
  const usage = async () => {
    const answer = firstMessage<ServerCpu>(child)
    child.send('cpu')
    return answer
  }
  return {
    url: `http://127.0.0.1:${port}`,
    usage,
    cpuMicros: async () => (await usage()).cpuMicros,
    stageTimes: async () => {
      const answer = firstMessage<StageTimes>(child)
      child.send('stage-times')
      return answer
    },
    stop: () => stopChild(child),
  }
}
