// Run by open-telemetry-absent.test.ts with hide-api.cjs preloaded: both builds of the core verify a
// token against the emulator, and the script prints what was looked up and loaded (never a token).
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const builds = { esm: await import('@tokens/core'), cjs: require('@tokens/core') }
const fixture = JSON.parse(process.env.OTEL_ABSENT_FIXTURE ?? '{}')
const { token } = fixture
const options = { ...fixture.options, clock: () => fixture.nowMs } // the emulator's frozen clock
const report = { verified: {}, lookupsAfterOff: 0, lookups: [], loaded: [] }
for (const [name, core] of Object.entries(builds)) {
  const before = globalThis.openTelemetryLookups.length
  const off = core.createTokens({ ...options, openTelemetry: false })
  await off.verify(token)
  await off.close()
  report.lookupsAfterOff += globalThis.openTelemetryLookups.length - before
  for (let i = 0; i < 2; i++) {
    const on = core.createTokens(options)
    report.verified[name] = (await on.verify(token)).type
    await on.close()
  }
}
report.lookups = globalThis.openTelemetryLookups
report.loaded = Object.keys(require.cache).filter((path) => path.includes('opentelemetry'))
process.stdout.write(JSON.stringify(report))
