import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { LeakDetector } from '../../../tests/reliability/leak-check/leak-detector.js'

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url))

/**
 * Every token, secret and code the emulator issues in this test process (and what a test adds with
 * `remember`, such as encryption keys): no run of the binary may print one.
 */
export const leaks = new LeakDetector()

/** What one run of the built `tokens` binary did. */
export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
}

/**
 * Runs the built binary (`dist/cli.js`) as a subprocess with only `env` (and `PATH`), `input` on
 * stdin (not a terminal), and checks that neither its stdout nor its stderr holds an issued token or
 * secret.
 */
export async function tokensCli(
  args: readonly string[],
  options: { env?: Record<string, string>; input?: string } = {},
): Promise<CliRun> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8')
  })
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8')
  })
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code) => resolve(code))
  })
  child.stdin.end(options.input ?? '')
  const code = await exited
  // Named by the command only: the arguments may hold a token (that is what is being checked).
  leaks.assertClean(`${stdout}\n${stderr}`, `the output of 'tokens ${args[0] ?? ''}'`)
  return { code, stdout, stderr }
}

/** Parses the one JSON document a `--json` run prints. */
export function json<T = Record<string, unknown>>(run: CliRun): T {
  const lines = run.stdout.trim().split('\n')
  if (lines.length !== 1) throw new Error(`expected one line of JSON, got ${lines.length}: ${run.stdout}`)
  return JSON.parse(lines[0] as string) as T
}
