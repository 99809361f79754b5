// Express 4, CommonJS (compiled by tsc to require()): tokens() + requireToken() against the emulator.
import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { startEmulator } from '@tokens/emulator'
import { requireToken, tokens } from '@tokens/express'
import express from 'express'

async function main(): Promise<void> {
  const emu = await startEmulator()
  const fb = emu.createApp({ name: 'Consumer' })
  const ada = emu.createUser({ name: 'Ada Lovelace' })
  const userToken = emu.issueUserToken({ appId: fb.id, userId: ada.id })

  const app = express()
  app.use(tokens({ appId: fb.id, appSecret: fb.secret, graphUrl: emu.url }))
  app.get(
    '/me',
    requireToken('user').handle((req, res) => {
      res.json({ userId: req.token.userId })
    }),
  )
  app.get('/optional', (req, res) => {
    res.json({ signedIn: req.token !== undefined })
  })
  const server = app.listen(0, '127.0.0.1')
  await new Promise<void>((resolve) => server.once('listening', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const auth = { headers: { authorization: `Bearer ${userToken}` } }

  const me = await fetch(`${base}/me`, auth)
  assert.equal(me.status, 200)
  assert.deepEqual(await me.json(), { userId: ada.id })
  assert.deepEqual(await (await fetch(`${base}/optional`)).json(), { signedIn: false })
  const none = await fetch(`${base}/me`)
  assert.equal(none.status, 401)
  assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer realm=/)
  const refused = await fetch(`${base}/me`, { headers: { authorization: `Bearer ${userToken}x` } })
  assert.equal(refused.status, 401)
  assert.equal(((await refused.json()) as { error: string }).error, 'invalid_token')

  server.close()
  await emu.close()
  console.log('ok express4-cjs')
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
