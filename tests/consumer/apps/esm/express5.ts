// Express 5, ESM: tokens() + requireToken() against the emulator, as an app that installed the tarballs.
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { isTokenError } from '@tokens/core'
import { startEmulator } from '@tokens/emulator'
import { requireToken, tokens } from '@tokens/express'
import express from 'express'

async function main(): Promise<void> {
  const emu = await startEmulator()
  const fb = emu.createApp({ name: 'Consumer' })
  const ada = emu.createUser({ name: 'Ada Lovelace' })
  const page = emu.createPage({ name: 'Ada Bakery', admins: [ada.id] })
  const userToken = emu.issueUserToken({ appId: fb.id, userId: ada.id, scopes: ['pages_show_list'] })
  const pageToken = emu.issuePageToken({ appId: fb.id, userId: ada.id, pageId: page.id })

  const app = express()
  app.use(tokens({ appId: fb.id, appSecret: fb.secret, graphUrl: emu.url }))
  app.get(
    '/me',
    requireToken('user').handle((req, res) => {
      const userId: string = req.token.userId
      res.json({ userId, type: req.token.type })
    }),
  )
  app.get(
    '/page',
    requireToken('page').handle((req, res) => {
      res.json({ pageId: req.token.pageId })
    }),
  )
  const server = app.listen(0, '127.0.0.1')
  await new Promise<void>((resolve) => server.once('listening', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const get = (path: string, token?: string) =>
    fetch(`${base}${path}`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } })

  const me = await get('/me', userToken)
  assert.equal(me.status, 200)
  assert.deepEqual(await me.json(), { userId: ada.id, type: 'user' })

  const mine = await get('/page', pageToken)
  assert.equal(mine.status, 200)
  assert.deepEqual(await mine.json(), { pageId: page.id })

  const none = await get('/me')
  assert.equal(none.status, 401)
  assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer realm=/)

  const wrongType = await get('/page', userToken)
  assert.equal(wrongType.status, 403)
  assert.equal(((await wrongType.json()) as { error: string }).error, 'insufficient_scope')

  const other = await get('/me', `${userToken}x`)
  assert.equal(other.status, 401)
  assert.equal(isTokenError(new Error('not one')), false)
  // `@opentelemetry/api` is an optional peer dependency this project did not install (looked up from
  // this script's own path): the core's ESM build verified the tokens above without it.
  const here = createRequire(process.argv[1] as string)
  assert.throws(() => here.resolve('@opentelemetry/api'), { code: 'MODULE_NOT_FOUND' })

  server.close()
  await emu.close()
  console.log('ok express5-esm')
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
