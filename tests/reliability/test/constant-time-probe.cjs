// Run by constant-time.test.ts in a child Node: counts the calls to crypto.timingSafeEqual that each
// secret comparison of the built @tokens/core makes, through its CommonJS and its ESM build.
const crypto = require('node:crypto')
const { syncBuiltinESMExports } = require('node:module')

const original = crypto.timingSafeEqual
let calls = 0
crypto.timingSafeEqual = function countedTimingSafeEqual(a, b) {
  calls++
  return original(a, b)
}
syncBuiltinESMExports() // ESM `import { timingSafeEqual } from 'node:crypto'` sees the counter too

const appId = '1234567890'
const appSecret = 'a'.repeat(16) + 'b'.repeat(16)
const clientToken = 'c'.repeat(32)

function signed(payload, secret = appSecret) {
  const encoded = Buffer.from(JSON.stringify(payload)).toString('base64url')
  return `${crypto.createHmac('sha256', secret).update(encoded).digest('base64url')}.${encoded}`
}

/** Flips one character of the signature, keeping its length (a length mismatch needs no comparison). */
function flipped(request) {
  const first = request[0] === 'A' ? 'B' : 'A'
  return first + request.slice(1)
}

async function count(operation) {
  const before = calls
  let outcome
  try {
    const result = await operation()
    outcome = result && typeof result === 'object' && 'type' in result ? result.type : 'ok'
  } catch (error) {
    outcome = error?.code ? error.code : 'error'
  }
  return { calls: calls - before, outcome }
}

async function probe(core) {
  const tokens = core.createTokens({
    appId,
    appSecret,
    clientToken,
    graphUrl: 'http://127.0.0.1:9', // nothing listens: a comparison that fell through would be graph_unavailable
    retries: 0,
    timeoutMs: 200,
  })
  const now = Math.floor(Date.now() / 1000)
  const request = signed({ algorithm: 'HMAC-SHA256', user_id: '42', issued_at: now })
  const result = {
    control: await count(() => crypto.timingSafeEqual(Buffer.from('x'), Buffer.from('x'))),
    signedRequestValid: await count(() => core.parseSignedRequest(request, appSecret)),
    signedRequestForged: await count(() => core.parseSignedRequest(flipped(request), appSecret)),
    signedRequestOtherSecret: await count(() =>
      core.parseSignedRequest(
        signed({ algorithm: 'HMAC-SHA256', user_id: '42', issued_at: now }, 'z'.repeat(32)),
        appSecret,
      ),
    ),
    appSecretToken: await count(() => tokens.verify(`${appId}|${appSecret}`)),
    clientTokenToken: await count(() => tokens.verify(`${appId}|${clientToken}`, { type: 'client' })),
    nearlyTheSecret: await count(() => tokens.verify(`${appId}|${appSecret.slice(0, -1)}x`)),
    shorterThanTheSecret: await count(() => tokens.verify(`${appId}|${appSecret.slice(0, 20)}`)),
  }
  await tokens.close()
  return result
}

async function main() {
  const cjs = await probe(require('@tokens/core'))
  const esm = await probe(await import('@tokens/core'))
  process.stdout.write(JSON.stringify({ cjs, esm }))
}

main().catch((error) => {
  process.stderr.write(String(error?.stack))
  process.exitCode = 1
})
