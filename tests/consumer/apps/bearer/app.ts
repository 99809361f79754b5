// Passport bearer only: @tokens/passport/graph-token without passport-facebook installed (the entry
// must not load it), compiled to CommonJS as a Nest or Express project with "module": "commonjs" is.
import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import type { PageToken } from '@tokens/core'
import { startEmulator } from '@tokens/emulator'
import { GraphTokenStrategy, tokensErrorHandler } from '@tokens/passport/graph-token'
import express from 'express'
import passport from 'passport'

async function main(): Promise<void> {
  assert.throws(() => require.resolve('passport-facebook'), /Cannot find module/)
  const emu = await startEmulator()
  const fb = emu.createApp({ name: 'Consumer' })
  const ada = emu.createUser({ name: 'Ada Lovelace' })
  const page = emu.createPage({ name: 'Ada Bakery', admins: [ada.id] })
  const userToken = emu.issueUserToken({ appId: fb.id, userId: ada.id })
  const pageToken = emu.issuePageToken({ appId: fb.id, userId: ada.id, pageId: page.id })

  passport.use(new GraphTokenStrategy({ appId: fb.id, appSecret: fb.secret, graphUrl: emu.url, type: 'page' }))
  const app = express()
  app.use(passport.initialize())
  app.get('/page', passport.authenticate('graph-token', { session: false, failWithError: true }), (req, res) => {
    const token = req.user as PageToken
    res.json({ pageId: token.pageId })
  })
  app.use(tokensErrorHandler())
  const server = app.listen(0, '127.0.0.1')
  await new Promise<void>((resolve) => server.once('listening', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  const ok = await fetch(`${base}/page`, { headers: { authorization: `Bearer ${pageToken}` } })
  assert.equal(ok.status, 200)
  assert.deepEqual(await ok.json(), { pageId: page.id })
  const wrongType = await fetch(`${base}/page`, { headers: { authorization: `Bearer ${userToken}` } })
  assert.equal(wrongType.status, 403)
  assert.equal(((await wrongType.json()) as { error: string }).error, 'insufficient_scope')
  const none = await fetch(`${base}/page`)
  assert.equal(none.status, 401)
  assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer realm=/)

  server.close()
  await emu.close()
  console.log('ok passport-bearer')
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
