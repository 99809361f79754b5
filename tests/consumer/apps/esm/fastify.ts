// Fastify 5, ESM: the @tokens/fastify plugin and app.requireToken() against the emulator.
import assert from 'node:assert/strict'
import { startEmulator } from '@tokens/emulator'
import { tokens } from '@tokens/fastify'
import Fastify from 'fastify'

async function main(): Promise<void> {
  const emu = await startEmulator()
  const fb = emu.createApp({ name: 'Consumer' })
  const ada = emu.createUser({ name: 'Ada Lovelace' })
  const page = emu.createPage({ name: 'Ada Bakery', admins: [ada.id] })
  const userToken = emu.issueUserToken({ appId: fb.id, userId: ada.id })
  const pageToken = emu.issuePageToken({ appId: fb.id, userId: ada.id, pageId: page.id })

  const app = Fastify()
  await app.register(tokens, { appId: fb.id, appSecret: fb.secret, graphUrl: emu.url })
  app.get('/me', { preHandler: app.requireToken('user') }, async (request) => ({ userId: request.token.userId }))
  app.get('/page', { preHandler: app.requireToken('page') }, async (request) => ({ pageId: request.token.pageId }))
  app.get('/optional', async (request) => ({ signedIn: request.token !== undefined }))
  const base = await app.listen({ port: 0, host: '127.0.0.1' })
  const get = (path: string, token?: string) =>
    fetch(`${base}${path}`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } })

  const me = await get('/me', userToken)
  assert.equal(me.status, 200)
  assert.deepEqual(await me.json(), { userId: ada.id })
  assert.deepEqual(await (await get('/page', pageToken)).json(), { pageId: page.id })
  assert.deepEqual(await (await get('/optional')).json(), { signedIn: false })
  const none = await get('/me')
  assert.equal(none.status, 401)
  assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer realm=/)
  const wrongType = await get('/page', userToken)
  assert.equal(wrongType.status, 403)
  assert.equal(((await wrongType.json()) as { error: string }).error, 'insufficient_scope')

  await app.close()
  await emu.close()
  console.log('ok fastify-esm')
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
