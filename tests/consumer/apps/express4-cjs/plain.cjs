// Plain CommonJS, no TypeScript: require() of every entry the Express 4 app installed.
const assert = require('node:assert/strict')
const express = require('express')
const core = require('@tokens/core')
const adapter = require('@tokens/core/adapter')
const { tokens, requireToken } = require('@tokens/express')
const { startEmulator } = require('@tokens/emulator')

assert.equal(typeof core.createTokens, 'function')
assert.equal(typeof adapter.toTokens, 'function')
assert.equal(typeof tokens, 'function')
assert.equal(typeof requireToken, 'function')
assert.equal(typeof startEmulator, 'function')
assert.match(require('express/package.json').version, /^4\./)
assert.equal(typeof express, 'function')

// `@opentelemetry/api` is an optional peer dependency this project did not install: the core's CommonJS
// build verifies a token without it, and loads nothing of OpenTelemetry.
assert.throws(() => require.resolve('@opentelemetry/api'), { code: 'MODULE_NOT_FOUND' })
async function verifiesWithoutOpenTelemetry() {
  const emu = await startEmulator()
  try {
    const app = emu.createApp({ name: 'Plain' })
    const user = emu.createUser({ name: 'Ada Lovelace' })
    const tokens = core.createTokens({ appId: app.id, appSecret: app.secret, graphUrl: emu.url })
    const token = await tokens.verify(emu.issueUserToken({ appId: app.id, userId: user.id }))
    assert.equal(token.type, 'user')
    await tokens.close()
  } finally {
    await emu.close()
  }
  assert.deepEqual(
    Object.keys(require.cache).filter((path) => path.includes('opentelemetry')),
    [],
  )
}
verifiesWithoutOpenTelemetry().then(
  () => console.log('ok plain-cjs'),
  (error) => {
    console.error(error)
    process.exit(1)
  },
)
