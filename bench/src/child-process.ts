import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** Forks one of the built entry points next to this file (`dist/<name>.js`) with an IPC channel. */
export function forkEntry(name: string, args: readonly string[] = [], execArgv: readonly string[] = []): ChildProcess {
  const file = fileURLToPath(new URL(`./${name}.js`, import.meta.url))
  return fork(file, [...args], { execArgv: [...execArgv], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
}

/** The first message `child` sends, or a rejection if it exits before sending one. */
export function firstMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null, signal: string | null) =>
      reject(new Error(`child process exited (${code ?? signal}) before answering`))
    child.once('exit', onExit)
    child.once('message', (message) => {
      child.off('exit', onExit)
      resolve(message as T)
    })
  })
}

/** Stops `child` (SIGTERM) and waits for it to exit. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  await exited
}
