import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** The longer chaos run of issue 10: the reliability suite's chaos test at a larger load. */
export interface ChaosRun {
  requestsPerPhase: number
  passed: boolean
  seconds: number
}

/**
 * Runs `tests/reliability`'s chaos test (cached, new, garbage and foreign tokens while the emulator
 * injects latency, 5xx, errors, hangs and throttling) with `CHAOS_REQUESTS` requests per phase. Its
 * assertions decide: no 500, cached users stay in, 503 + Retry-After for the rest, recovery, memory
 * and open handles. Not part of `--quick`.
 */
export function chaosBench(requestsPerPhase: number): Promise<ChaosRun> {
  const cwd = fileURLToPath(new URL('../../tests/reliability', import.meta.url))
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const child = spawn('pnpm', ['exec', 'vitest', 'run', 'test/chaos.test.ts'], {
      cwd,
      env: { ...process.env, CHAOS_REQUESTS: String(requestsPerPhase) },
      stdio: ['ignore', 'ignore', 'inherit'],
    })
    child.once('error', reject)
    child.once('exit', (code) =>
      resolve({ requestsPerPhase, passed: code === 0, seconds: Math.round((Date.now() - started) / 1000) }),
    )
  })
}
