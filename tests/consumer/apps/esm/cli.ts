// @tokens/cli, installed from its tarball: `tokens debug` against the emulator.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { startEmulator } from '@tokens/emulator'

async function main(): Promise<void> {
  const emu = await startEmulator()
  const fb = emu.createApp({ name: 'Consumer' })
  const ada = emu.createUser({ name: 'Ada Lovelace' })
  const token = emu.issueUserToken({ appId: fb.id, userId: ada.id, scopes: ['email'] })
  // Asynchronously: a synchronous child would block the emulator's event loop.
  const out = await new Promise<string>((resolve, reject) => {
    execFile(
      'node_modules/.bin/tokens',
      ['debug'],
      {
        env: {
          PATH: process.env.PATH,
          META_APP_ID: fb.id,
          META_APP_SECRET: fb.secret,
          META_ACCESS_TOKEN: token,
          META_GRAPH_URL: emu.url,
        },
      },
      (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
    )
  })
  assert.match(out, /^Valid\s+yes$/m)
  assert.match(out, new RegExp(`^User\\s+${ada.id}$`, 'm'))
  assert.ok(!out.includes(token), 'the token is printed only redacted')
  await emu.close()
  console.log('ok cli')
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
