import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { Json } from '../fixture.js'

/**
 * Runs `scripts/<name>.cjs` in a child Node process with `env` added, gives it `scenario` as JSON in
 * `EMULATOR_SCENARIO`, and resolves with the JSON line it prints (its stderr when it prints none).
 */
export function runClientScript(name: string, scenario: unknown, env: Record<string, string>): Promise<Json> {
  const script = fileURLToPath(new URL(`./scripts/${name}.cjs`, import.meta.url))
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, ...env, EMULATOR_SCENARIO: JSON.stringify(scenario) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
  })
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    child.once('exit', () => {
      clearTimeout(timer)
      const line = stdout.trim().split('\n').at(-1) ?? ''
      try {
        resolve(JSON.parse(line) as Json)
      } catch {
        reject(new Error(`${name} printed no result: ${stdout}\n${stderr}`))
      }
    })
  })
}
