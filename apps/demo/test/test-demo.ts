import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Browser, chromium } from 'playwright-core'
import { readConfig } from '../src/config.js'
import { type RunningDemo, startDemo } from '../src/start-demo.js'

/** A demo of a test's own: every port free, its SQLite file in a temporary folder removed on `close`. */
export interface TestDemo {
  demo: RunningDemo
  /** The temporary folder of the demo's database. */
  dir: string
  close(): Promise<void>
}

/** Starts the whole demo (emulator, web app, APIs) on free ports, with its database in a new folder. */
export async function startTestDemo(name: string): Promise<TestDemo> {
  const dir = mkdtempSync(join(tmpdir(), `tokens-demo-${name}-`))
  const demo = await startDemo(
    readConfig({
      EMULATOR_PORT: '0',
      PORT: '0',
      EXPRESS_PORT: '0',
      NEST_PORT: '0',
      FASTIFY_PORT: '0',
      DEMO_DATABASE: join(dir, 'demo.db'),
    }),
  )
  return {
    demo,
    dir,
    async close() {
      await demo.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Debian's Chromium, headless, as the tests may run it (as root, on a machine without a GPU or network). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  })
}
