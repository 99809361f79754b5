// NestJS 12 on Express and on Fastify, ESM: TokensModule, a global TokenGuard, @RequireToken, @CurrentToken.
import 'reflect-metadata'
import assert from 'node:assert/strict'
import { Controller, Get, type INestApplication, Module } from '@nestjs/common'
import { APP_GUARD, NestFactory } from '@nestjs/core'
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify'
import type { AccessToken, PageToken, UserToken } from '@tokens/core'
import { startEmulator } from '@tokens/emulator'
import { CurrentToken, Public, RequireToken, TokenGuard, TokensModule } from '@tokens/nest'

@Controller()
class ProfileController {
  @Get('me')
  @RequireToken('user')
  me(@CurrentToken() token: UserToken) {
    return { userId: token.userId }
  }

  @Get('page')
  @RequireToken('page')
  page(@CurrentToken() token: PageToken) {
    return { pageId: token.pageId }
  }

  @Get('optional')
  optional(@CurrentToken() token: AccessToken | undefined) {
    return { signedIn: token !== undefined }
  }

  @Get('health')
  @Public()
  health() {
    return { ok: true }
  }
}

function appModule(appId: string, appSecret: string, graphUrl: string) {
  @Module({
    imports: [TokensModule.forRoot({ appId, appSecret, graphUrl })],
    controllers: [ProfileController],
    providers: [{ provide: APP_GUARD, useClass: TokenGuard }],
  })
  class AppModule {}
  return AppModule
}

async function main(): Promise<void> {
  const emu = await startEmulator()
  const fb = emu.createApp({ name: 'Consumer' })
  const ada = emu.createUser({ name: 'Ada Lovelace' })
  const page = emu.createPage({ name: 'Ada Bakery', admins: [ada.id] })
  const userToken = emu.issueUserToken({ appId: fb.id, userId: ada.id })
  const pageToken = emu.issuePageToken({ appId: fb.id, userId: ada.id, pageId: page.id })
  const AppModule = appModule(fb.id, fb.secret, emu.url)

  const onExpress: INestApplication = await NestFactory.create(AppModule, { logger: false })
  const onFastify = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(), {
    logger: false,
  })
  for (const [name, app] of [
    ['express', onExpress],
    ['fastify', onFastify],
  ] as const) {
    await app.listen(0, '127.0.0.1')
    const base = (await app.getUrl()).replace('[::1]', '127.0.0.1')
    const get = (path: string, token?: string) =>
      fetch(`${base}${path}`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } })

    const me = await get('/me', userToken)
    assert.equal(me.status, 200, name)
    assert.deepEqual(await me.json(), { userId: ada.id }, name)
    const mine = await get('/page', pageToken)
    assert.deepEqual(await mine.json(), { pageId: page.id }, name)
    assert.deepEqual(await (await get('/optional')).json(), { signedIn: false }, name)
    assert.deepEqual(await (await get('/optional', userToken)).json(), { signedIn: true }, name)
    assert.deepEqual(await (await get('/health')).json(), { ok: true }, name)
    const none = await get('/me')
    assert.equal(none.status, 401, name)
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer realm=/, name)
    const wrongType = await get('/page', userToken)
    assert.equal(wrongType.status, 403, name)
    assert.equal(((await wrongType.json()) as { error: string }).error, 'insufficient_scope', name)
    await app.close()
    console.log(`ok nest-${name}`)
  }
  await emu.close()
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
