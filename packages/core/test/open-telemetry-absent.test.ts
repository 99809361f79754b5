import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'
import { createFixture } from './fixture.js'

const run = promisify(execFile)
const here = (file: string) => fileURLToPath(new URL(`./absent-api/${file}`, import.meta.url))

// The optional peer dependency absent (as in an app that never installed it): both builds of the
// core verify tokens, look for `@opentelemetry/api` once per process and only when telemetry is on,
// and load nothing of OpenTelemetry.
it('without @opentelemetry/api, the built core (ESM and CommonJS) verifies and loads nothing of it', async () => {
  const f = await createFixture()
  try {
    const token = f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id, lifetime: 'long' })
    const { stdout } = await run(process.execPath, ['--require', here('hide-api.cjs'), here('verify.mjs')], {
      env: {
        ...process.env,
        OTEL_ABSENT_FIXTURE: JSON.stringify({ options: f.emu.coreOptions(f.app), nowMs: f.emu.now() * 1000, token }),
      },
      timeout: 60_000,
    })
    expect(JSON.parse(stdout)).toEqual({
      verified: { esm: 'user', cjs: 'user' },
      lookupsAfterOff: 0, // openTelemetry: false does not even look
      lookups: ['@opentelemetry/api', '@opentelemetry/api'], // once per copy of the core, not per instance
      loaded: [],
    })
  } finally {
    await f.close()
  }
})
