import { createRequire } from 'node:module'
import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  type ExecutionContext,
  Inject,
  Injectable,
  Module,
} from '@nestjs/common'
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants'
import { APP_FILTER, APP_GUARD, HttpAdapterHost } from '@nestjs/core'
// The path that holds it in every supported major (10 to 12); '/internal' exists from 11 on.
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host'
import { Test } from '@nestjs/testing'
import { createTokens, type PageToken, TokenError } from '@tokens/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  CurrentToken,
  RequireToken,
  TokenErrorFilter,
  TokenGuard,
  type TokenRequest,
  TokensModule,
  TokensService,
} from '../src/index.js'
import { GlobalController, OpenController, RoutesController } from './controllers.js'
import { call, createWorld, leaks, PLATFORMS, startApp, type World } from './fixture.js'

/** Stands in for `@nestjs/config`: a provider the factory is injected with. */
class AppConfig {
  constructor(readonly values: Readonly<Record<string, string>>) {}
  get(key: string): string {
    const value = this.values[key]
    if (value === undefined) throw new Error(`missing ${key}`)
    return value
  }
}

let w: World
beforeAll(async () => {
  w = await createWorld()
})
afterAll(async () => {
  await w?.emu.close()
})

function coreOptions() {
  return { appId: w.app.id, appSecret: w.app.secret, graphUrl: w.emu.url, clock: () => w.emu.now() * 1000 }
}

function userToken(): string {
  return w.emu.issueUserToken({ appId: w.app.id, userId: w.user.id, lifetime: 'long' })
}

describe.each(PLATFORMS)('forRootAsync and a global guard on %s', (platform) => {
  let url: string
  let close: () => Promise<void>
  let factoryCalls = 0

  beforeAll(async () => {
    @Module({
      providers: [
        { provide: AppConfig, useValue: new AppConfig({ FB_APP_ID: w.app.id, FB_APP_SECRET: w.app.secret }) },
      ],
      exports: [AppConfig],
    })
    class ConfigModule {}

    const started = await startApp(platform, {
      imports: [
        TokensModule.forRootAsync({
          imports: [ConfigModule],
          inject: [AppConfig],
          useFactory: async (config: AppConfig) => {
            factoryCalls++
            return { ...coreOptions(), appId: config.get('FB_APP_ID'), appSecret: config.get('FB_APP_SECRET') }
          },
          isGlobal: true,
        }),
      ],
      controllers: [GlobalController, OpenController],
      providers: [{ provide: APP_GUARD, useClass: TokenGuard }],
    })
    url = started.url
    close = () => started.app.close()
  })
  afterAll(async () => {
    await close?.()
  })

  it('builds the core once from the factory', () => {
    expect(factoryCalls).toBe(1)
  })

  it("enforces the controller's requirement on every route", async () => {
    const missing = await call(url, '/global/private')
    expect(missing.status).toBe(401)
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="api"')
    const raw = userToken()
    const ok = await call(url, '/global/private', raw)
    expect(ok.body).toEqual({ userId: w.user.id })
    const app = await call(url, '/global/private', `${w.app.id}|${w.app.secret}`)
    expect(app.status).toBe(403)
    expect(leaks(app, `${w.app.id}|${w.app.secret}`)).toBe(false)
  })

  it('skips @Public() routes entirely: no token read, none verified', async () => {
    expect((await call(url, '/global/health')).body).toEqual({ ok: true, token: null })
    w.emu.resetCounts()
    const garbage = await call(url, '/global/health', 'EAAgarbagegarbagegarbagegarbage')
    expect(garbage.status).toBe(200)
    expect(garbage.body).toEqual({ ok: true, token: null })
    expect(w.emu.requestCount()).toBe(0)
  })

  it('authenticates optionally where nothing is required, still refusing a bad token', async () => {
    expect((await call(url, '/open')).body).toEqual({ type: null })
    expect((await call(url, '/open', userToken())).body).toEqual({ type: 'user' })
    const bad = await call(url, '/open', 'EAAgarbagegarbagegarbagegarbage')
    expect(bad.status).toBe(401)
    expect(bad.body).toMatchObject({ error: 'invalid_token', reason: 'malformed' })
  })
})

describe('TokensModule', () => {
  it('closes the core it built when the application shuts down', async () => {
    const { app, url } = await startApp('express', {
      imports: [TokensModule.forRoot(coreOptions())],
      controllers: [OpenController],
      providers: [{ provide: APP_GUARD, useClass: TokenGuard }],
    })
    const service = app.get(TokensService)
    expect(service).toBeInstanceOf(TokensService)
    const raw = userToken()
    expect((await call(url, '/open', raw)).status).toBe(200)
    await app.close()
    await expect(service.verify(raw)).rejects.toThrow('This tokens instance is closed')
  })

  it('uses a core instance the factory returns, and leaves closing it to its owner', async () => {
    const core = createTokens(coreOptions())
    const { app, url } = await startApp('fastify', {
      imports: [TokensModule.forRootAsync({ useFactory: () => core })],
      controllers: [OpenController],
      providers: [{ provide: APP_GUARD, useClass: TokenGuard }],
    })
    expect(app.get(TokensService)).toBe(core)
    const raw = userToken()
    expect((await call(url, '/open', raw)).body).toEqual({ type: 'user' })
    await app.close()
    expect((await core.verify(raw)).type).toBe('user')
    await core.close()
  })

  it('renders the rejections of a core loaded from its other build (CommonJS next to ESM)', async () => {
    const cjs = createRequire(import.meta.url)('@tokens/core') as typeof import('@tokens/core')
    expect(cjs.TokenError).not.toBe(TokenError)
    const core = cjs.createTokens(coreOptions())
    const { app, url } = await startApp('express', {
      imports: [TokensModule.forRootAsync({ useFactory: () => core })],
      controllers: [GlobalController],
      providers: [{ provide: APP_GUARD, useClass: TokenGuard }],
    })
    try {
      const missing = await call(url, '/global/private')
      expect(missing.status).toBe(401)
      expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="api"')
      const app = `${w.app.id}|${w.app.secret}`
      const wrongType = await call(url, '/global/private', app)
      expect(wrongType.status).toBe(403)
      expect(wrongType.headers.get('www-authenticate')).toContain('error="insufficient_scope"')
      expect(wrongType.body).toEqual({
        error: 'insufficient_scope',
        error_description: 'A user token is required; this is a app token',
      })
    } finally {
      await app.close()
      await core.close()
    }
  })

  it('makes TokensService injectable everywhere with isGlobal', async () => {
    @Injectable()
    class PagesService {
      constructor(@Inject(TokensService) readonly tokens: TokensService) {}
    }
    @Module({ providers: [PagesService] })
    class FeatureModule {}

    const moduleRef = await Test.createTestingModule({
      imports: [TokensModule.forRoot({ ...coreOptions(), isGlobal: true }), FeatureModule],
    }).compile()
    const pages = moduleRef.get(PagesService)
    expect(pages.tokens).toBe(moduleRef.get(TokensService))
    expect(pages.tokens.appToken().type).toBe('app')
    // the whole core through DI: verification, Page tokens and Graph calls against the emulator
    const raw = w.emu.issueUserToken({
      appId: w.app.id,
      userId: w.user.id,
      scopes: ['pages_show_list'],
      lifetime: 'long',
    })
    const user = await pages.tokens.verify(raw, { type: 'user' })
    const pageTokens = await pages.tokens.pageTokens(user)
    expect(pageTokens.map((page) => page.pageId)).toEqual([w.page.id])
    const me = await pages.tokens.graph.get<{ id: string }>('/me', { token: user })
    expect(me.id).toBe(w.user.id)
    await moduleRef.close()

    await expect(
      Test.createTestingModule({ imports: [TokensModule.forRoot(coreOptions()), FeatureModule] }).compile(),
    ).rejects.toThrow(/TokensService/)
  })

  it.each(PLATFORMS)("coexists with the app's own catch-all filter on %s", async (platform) => {
    @Catch()
    class CatchAllFilter implements ExceptionFilter {
      constructor(@Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost) {}
      catch(_error: unknown, host: ArgumentsHost) {
        this.adapterHost.httpAdapter.reply(host.switchToHttp().getResponse(), { handledBy: 'app' }, 418)
      }
    }
    const { app, url } = await startApp(platform, {
      imports: [TokensModule.forRoot(coreOptions())],
      controllers: [RoutesController],
      providers: [{ provide: APP_FILTER, useClass: CatchAllFilter }],
    })
    try {
      const rejected = await call(url, '/user')
      expect(rejected.status).toBe(401)
      expect(rejected.body).toEqual({ error: 'token_required', error_description: 'An access token is required' })
      const crash = await call(url, '/crash')
      expect(crash.status).toBe(418)
      expect(crash.body).toEqual({ handledBy: 'app' })
    } finally {
      await app.close()
    }
  })

  it('refuses bad options at startup with a TypeError naming the option', async () => {
    const started = Test.createTestingModule({
      imports: [TokensModule.forRoot({ appId: w.app.id, appSecret: 'short' })],
    }).compile()
    await expect(started).rejects.toThrow(TypeError)
    await expect(started).rejects.toThrow(/appSecret/)
  })
})

describe('GraphQL-style contexts', () => {
  /** A guard for a context whose third argument carries the request, as @nestjs/graphql's does. */
  @Injectable()
  class GqlTokenGuard extends TokenGuard {
    override getRequest(context: ExecutionContext): TokenRequest {
      return context.getArgs<[unknown, unknown, { req: TokenRequest }]>()[2].req
    }
  }

  class PostsResolver {
    @RequireToken('page')
    post(@CurrentToken() page: PageToken) {
      return page.pageId
    }
  }

  function resolverContext(authorization?: string) {
    const req: TokenRequest = { headers: authorization === undefined ? {} : { authorization } }
    const context = new ExecutionContextHost([{}, {}, { req }, {}], PostsResolver, PostsResolver.prototype.post)
    context.setType('graphql')
    return { context, req }
  }

  it('reads the token from getRequest and hands it to @CurrentToken()', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [TokensModule.forRoot(coreOptions())],
      providers: [GqlTokenGuard],
    }).compile()
    const guard = moduleRef.get(GqlTokenGuard)
    const raw = w.emu.issuePageToken({ appId: w.app.id, userId: w.user.id, pageId: w.page.id, lifetime: 'long' })
    const { context, req } = resolverContext(`Bearer ${raw}`)
    await expect(guard.canActivate(context)).resolves.toBe(true)
    expect(req.token?.type).toBe('page')

    const params = Reflect.getMetadata(ROUTE_ARGS_METADATA, PostsResolver, 'post') as Record<
      string,
      { factory: (data: unknown, context: ExecutionContext) => unknown }
    >
    const [param] = Object.values(params)
    const token = param!.factory(undefined, context) as PageToken
    expect(token.pageId).toBe(w.page.id)

    const missing = resolverContext()
    const error = await Promise.resolve(guard.canActivate(missing.context)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TokenError)
    expect((error as TokenError).code).toBe('token_required')
    await moduleRef.close()
  })

  it('says so when getRequest finds no request, instead of blaming Graph', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [TokensModule.forRoot(coreOptions())],
      providers: [TokenGuard],
    }).compile()
    const context = new ExecutionContextHost([{}, {}, {}, {}], PostsResolver, PostsResolver.prototype.post)
    context.setType('graphql')
    await expect(moduleRef.get(TokenGuard).canActivate(context)).rejects.toThrow(
      "TokenGuard: getRequest() found no request with headers in a 'graphql' context; override getRequest",
    )
    await moduleRef.close()
  })

  it('hands TokenErrors of non-HTTP contexts back to their framework', () => {
    const filter = new TokenErrorFilter({ httpAdapter: undefined } as never)
    const error = new TokenError('token_required', 'An access token is required')
    const host = new ExecutionContextHost([{}, {}, {}, {}])
    host.setType('graphql')
    expect(filter.catch(error, host as ArgumentsHost)).toBe(error)
  })
})
