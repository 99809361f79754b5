import type { ChildProcess } from 'node:child_process'
import { firstMessage, forkEntry, stopChild } from './child-process.js'
import type { ServerConfig, ServerCpu, ServerReady } from './server-config.js'

/** A benchmarked server running in its own process. */
export interface ServerProcess {
  url: string
  /** The process's CPU time so far (user + system), in µs. */
  cpuMicros(): Promise<number>
  stop(): Promise<void>
}

/** Starts the server of `config` in a child process and waits until it listens. */
export async function startServer(config: ServerConfig): Promise<ServerProcess> {
  const child: ChildProcess = forkEntry('server-main', [JSON.stringify(config)])
  const { port } = await firstMessage<ServerReady>(child)
  return {
    url: `http://127.0.0.1:${port}`,
    async cpuMicros() {
      const answer = firstMessage<ServerCpu>(child)
      child.send('cpu')
      return (await answer).cpuMicros
    },
    stop: () => stopChild(child),
  }
}
