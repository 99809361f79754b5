import 'reflect-metadata'
import { format } from 'node:util'
import {
  Controller,
  Get,
  type INestApplication,
  Inject,
  Injectable,
  type LoggerService,
  Module,
  type ModuleMetadata,
  Req,
  UseGuards,
} from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import { PassportStrategy } from '@nestjs/passport'
import { ExpressAdapter } from '@nestjs/platform-express'
import { FastifyAdapter } from '@nestjs/platform-fastify'
import { type AccessToken, createTokens, type Tokens, type TokensOptions } from '@tokens/core'
import { type AppInfo, type Emulator, type NodeInfo, startEmulator } from '@tokens/emulator'
import { CurrentToken, RequireToken, TokenGuard, TokensModule, TokensService } from '@tokens/nest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GraphTokenStrategy } from '../src/index.js'
import { TokenAuthGuard } from '../src/nest.js'

const START = 1_760_000_000
type Platform = 'express' | 'fastify'

function describeToken(token: AccessToken) {
  return { type: token.type, appId: token.appId, userId: 'userId' in token ? (token.userId ?? null) : null }
}

/** The reference: `@tokens/nest`'s guard. */
@Controller()
@UseGuards(TokenGuard)
class GuardController {
  @Get('user')
  @RequireToken('user')
  user(@CurrentToken() token: AccessToken) {
    return describeToken(token)
  }

  @Get('any')
  @RequireToken()
  any(@CurrentToken() token: AccessToken) {
    return describeToken(token)
  }

  @Get('page')
  @RequireToken('page')
  page(@CurrentToken() token: AccessToken) {
    return describeToken(token)
  }

  @Get('email')
  @RequireToken('user', { scopes: ['email'] })
  email(@CurrentToken() token: AccessToken) {
    return describeToken(token)
  }

  @Get('client')
  @RequireToken('client')
  client(@CurrentToken() token: AccessToken) {
    return describeToken(token)
  }
}

/** The same routes, the way most Nest apps wire Passport: strategies and `AuthGuard`-style guards. */
@Controller()
class PassportController {
  @Get('user')
  @UseGuards(TokenAuthGuard('graph-token-user'))
  user(@Req() req: { user: AccessToken }) {
    return describeToken(req.user)
  }

  @Get('any')
  @UseGuards(TokenAuthGuard())
  any(@Req() req: { user: AccessToken }) {
    return describeToken(req.user)
  }

  @Get('page')
  @UseGuards(TokenAuthGuard('graph-token-page'))
  page(@Req() req: { user: AccessToken }) {
    return describeToken(req.user)
  }

  @Get('email')
  @UseGuards(TokenAuthGuard('graph-token-email'))
  email(@Req() req: { user: AccessToken }) {
    return describeToken(req.user)
  }

  @Get('client')
  @UseGuards(TokenAuthGuard('graph-token-client'))
  client(@Req() req: { user: AccessToken }) {
    return describeToken(req.user)
  }
}

/** Where the strategies get their core: `TokensModule`'s `TokensService`, or a provider of the app's own. */
const CORE = Symbol('core')

function strategies() {
  const made = [
    ['graph-token', {}],
    ['graph-token-user', { type: 'user' }],
    ['graph-token-page', { type: 'page' }],
    ['graph-token-email', { type: 'user', scopes: ['email'] }],
    ['graph-token-client', { type: 'client' }],
  ].map(([name, requirement]) => {
    @Injectable()
    class Strategy extends PassportStrategy(GraphTokenStrategy, name as string) {
      constructor(@Inject(CORE) tokens: Tokens) {
        super({ tokens, ...(requirement as object) })
      }
      validate(token: AccessToken) {
        return token
      }
    }
    return Strategy
  })
  return made
}

class QuietLogger implements LoggerService {
  readonly lines: string[] = []
  log(...args: unknown[]) {
    this.lines.push(format(...args))
  }
  error(...args: unknown[]) {
    this.lines.push(format(...args))
  }
  warn(...args: unknown[]) {
    this.lines.push(format(...args))
  }
  debug() {}
  verbose() {}
}

async function start(platform: Platform, metadata: ModuleMetadata, logger: QuietLogger) {
  @Module(metadata)
  class AppModule {}
  const adapter = platform === 'express' ? new ExpressAdapter() : new FastifyAdapter()
  const app: INestApplication = await NestFactory.create(AppModule, adapter, { logger })
  await app.listen(0, '127.0.0.1')
  return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') }
}

interface Answer {
  status: number
  headers: Record<string, string>
  text: string
}

/** Headers of the platform or the connection, not of the answer. */
const FRAMEWORK_HEADERS = new Set(['date', 'connection', 'keep-alive', 'x-powered-by', 'etag'])

async function get(url: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${url}${path}`, { headers })
  const all = Object.fromEntries(res.headers.entries())
  return {
    status: res.status,
    headers: Object.fromEntries(Object.entries(all).filter(([name]) => !FRAMEWORK_HEADERS.has(name))),
    text: await res.text(),
  }
}

describe.each([
  ['express', true],
  ['express', false],
  ['fastify', true],
  ['fastify', false],
] as Array<[Platform, boolean]>)(
  'platform-%s, TokensModule imported: %s — TokenAuthGuard answers exactly what TokenGuard answers',
  (platform, withModule) => {
    let emu: Emulator
    let fbApp: AppInfo
    let otherApp: AppInfo
    let ada: NodeInfo
    let bakery: NodeInfo
    const closers: Array<() => Promise<unknown>> = []
    const raws: string[] = []
    const logger = new QuietLogger()
    let reference: string
    let viaPassport: string

    const coreOptions = (): TokensOptions => ({
      ...emu.coreOptions(fbApp),
      retries: 0,
      timeoutMs: 500,
      tokenSources: { header: true, query: true },
    })

    beforeAll(async () => {
      emu = await startEmulator({ now: START, freezeClock: true, callBudgetPerHour: 100_000 })
      fbApp = emu.createApp({ name: 'Nest Passport' })
      otherApp = emu.createApp({ name: 'Somebody Else' })
      ada = emu.createUser({ name: 'Ada Lovelace' })
      bakery = emu.createPage({ name: 'Ada Bakery', admins: [ada.id] })
      const guarded = await start(
        platform,
        { imports: [TokensModule.forRoot(coreOptions())], controllers: [GuardController] },
        logger,
      )
      closers.push(() => guarded.app.close())
      reference = guarded.url
      const passportCore = withModule ? undefined : createTokens(coreOptions())
      if (passportCore !== undefined) closers.push(() => passportCore.close())
      const viaStrategies = await start(
        platform,
        withModule
          ? {
              imports: [TokensModule.forRoot(coreOptions())],
              controllers: [PassportController],
              providers: [{ provide: CORE, useExisting: TokensService }, ...strategies()],
            }
          : {
              controllers: [PassportController],
              providers: [{ provide: CORE, useValue: passportCore }, ...strategies()],
            },
        logger,
      )
      closers.push(() => viaStrategies.app.close())
      viaPassport = viaStrategies.url
    })

    afterAll(async () => {
      for (const close of closers.reverse()) await close()
      await emu.close()
      const log = logger.lines.join('\n')
      for (const raw of raws) expect(log).not.toContain(raw)
    })

    const track = (raw: string) => {
      raws.push(raw)
      return raw
    }
    const bearer = (raw: string) => ({ authorization: `Bearer ${raw}` })

    async function same(path: string, headers: Record<string, string> = {}): Promise<Answer> {
      const expected = await get(reference, path, headers)
      const actual = await get(viaPassport, path, headers)
      expect(actual, `${path} ${JSON.stringify(headers).slice(0, 80)}`).toEqual(expected)
      for (const raw of raws) expect(actual.text + JSON.stringify(actual.headers)).not.toContain(raw)
      return actual
    }

    it('accepted tokens: the same 200 and body', async () => {
      expect((await same('/user', bearer(track(emu.issueUserToken({ appId: fbApp.id, userId: ada.id }))))).status).toBe(
        200,
      )
      const page = track(emu.issuePageToken({ appId: fbApp.id, userId: ada.id, pageId: bakery.id }))
      expect((await same('/page', bearer(page))).status).toBe(200)
      expect((await same('/any', bearer(page))).status).toBe(200)
      const email = track(emu.issueUserToken({ appId: fbApp.id, userId: ada.id, scopes: ['email'] }))
      expect((await same('/email', bearer(email))).status).toBe(200)
      expect((await same('/client', bearer(track(`${fbApp.id}|${fbApp.clientToken}`)))).status).toBe(200)
    })

    it('no token, a garbage token, another app’s token: 401 with the challenge, not {"message":"Unauthorized"}', async () => {
      const none = await same('/user')
      expect(none.status).toBe(401)
      expect(none.headers['www-authenticate']).toBe('Bearer realm="api"')
      expect(none.text).toContain('"error":"token_required"')
      expect((await same('/any', bearer(track('EAAGarbageGarbageGarbageGarbage123')))).status).toBe(401)
      expect((await same('/any', bearer(track('abc123')))).status).toBe(401)
      const others = track(emu.issueUserToken({ appId: otherApp.id, userId: ada.id }))
      expect((await same('/user', bearer(others))).text).toContain('"reason":"wrong_app"')
      expect((await same('/any', bearer(track(`${otherApp.id}|${otherApp.secret}`)))).status).toBe(401)
      expect((await same('/user', { authorization: 'Basic dXNlcjpwYXNz' })).status).toBe(401)
    })

    it('a Page token on a user route: 403 insufficient_scope; a missing scope: 403 naming it', async () => {
      const page = track(emu.issuePageToken({ appId: fbApp.id, userId: ada.id, pageId: bakery.id }))
      const answer = await same('/user', bearer(page))
      expect(answer.status).toBe(403)
      expect(answer.headers['www-authenticate']).toContain('error="insufficient_scope"')
      const user = track(emu.issueUserToken({ appId: fbApp.id, userId: ada.id, scopes: ['public_profile'] }))
      expect((await same('/email', bearer(user))).headers['www-authenticate']).toContain('scope="email"')
      expect((await same('/page', bearer(user))).status).toBe(403)
      expect((await same('/client', bearer(user))).status).toBe(403)
      expect((await same('/user', bearer(track(`${fbApp.id}|${fbApp.secret}`)))).status).toBe(403)
    })

    it('a client token where client is not named: 401 client_token', async () => {
      const answer = await same('/user', bearer(track(`${fbApp.id}|${fbApp.clientToken}`)))
      expect(answer.status).toBe(401)
      expect(answer.text).toContain('"reason":"client_token"')
      expect((await same('/any', bearer(track(`${fbApp.id}|${fbApp.clientToken}`)))).status).toBe(401)
    })

    it('malformed requests: 400 invalid_request (Bearer a b, bad characters, empty, twice, too long)', async () => {
      expect((await same('/user', { authorization: 'Bearer a b' })).status).toBe(400)
      expect((await same('/any', { authorization: 'Bearer EAA"<script>' })).status).toBe(400)
      expect((await same('/any', { authorization: 'Bearer ' })).status).toBe(400)
      const raw = track(emu.issueUserToken({ appId: fbApp.id, userId: ada.id }))
      expect((await same(`/any?access_token=${encodeURIComponent(raw)}`, bearer(raw))).status).toBe(400)
      expect((await same('/any', bearer(track(`EAA${'x'.repeat(9000)}`)))).status).toBe(400)
    })

    it('revoked and expired tokens: 401 invalid_token with their reasons', async () => {
      const changed = track(emu.issueUserToken({ appId: fbApp.id, userId: ada.id }))
      emu.invalidateToken(changed, 'password_changed')
      expect((await same('/user', bearer(changed))).text).toContain('"reason":"password_changed"')
      const short = track(emu.issueUserToken({ appId: fbApp.id, userId: ada.id, lifetime: 'short' }))
      await same('/user', bearer(short))
      emu.advanceTime(3 * 3600)
      expect((await same('/user', bearer(short))).text).toContain('"reason":"expired"')
    })

    it('a Graph outage or throttling: 503 graph_unavailable with Retry-After, no stack in the log', async () => {
      const before = logger.lines.length
      emu.setFaults({ status: 500 })
      const down = await same('/user', bearer(track(emu.issueUserToken({ appId: fbApp.id, userId: ada.id }))))
      expect(down.status).toBe(503)
      expect(down.headers['retry-after']).toMatch(/^\d+$/)
      emu.setFaults({ errorCode: 4, paths: ['/debug_token'] })
      expect((await same('/any', bearer(track(emu.issueUserToken({ appId: fbApp.id, userId: ada.id }))))).status).toBe(
        503,
      )
      emu.setFaults(null)
      expect(logger.lines.slice(before).join('\n')).not.toMatch(/\n\s+at /)
    })
  },
)

describe.each(['express', 'fastify'] as Platform[])(
  'platform-%s, a wrong app secret: TokenAuthGuard answers the 500 TokenGuard answers, and logs it',
  (platform) => {
    const WRONG = 'wrongAppSecret0123456789'
    let emu: Emulator
    let fbApp: AppInfo
    let ada: NodeInfo
    const closers: Array<() => Promise<unknown>> = []
    const logger = new QuietLogger()
    let reference: string
    let viaPassport: string

    beforeAll(async () => {
      emu = await startEmulator({ now: START, freezeClock: true, callBudgetPerHour: 100_000 })
      fbApp = emu.createApp({ name: 'Nest Passport' })
      ada = emu.createUser({ name: 'Ada Lovelace' })
      const options = (): TokensOptions => ({ ...emu.coreOptions(fbApp), appSecret: WRONG, retries: 0, timeoutMs: 500 })
      const guarded = await start(
        platform,
        { imports: [TokensModule.forRoot(options())], controllers: [GuardController] },
        logger,
      )
      closers.push(() => guarded.app.close())
      reference = guarded.url
      const core = createTokens(options())
      closers.push(() => core.close())
      const viaStrategies = await start(
        platform,
        { controllers: [PassportController], providers: [{ provide: CORE, useValue: core }, ...strategies()] },
        logger,
      )
      closers.push(() => viaStrategies.app.close())
      viaPassport = viaStrategies.url
    })

    afterAll(async () => {
      for (const close of closers.reverse()) await close()
      await emu.close()
    })

    it('500 with the core body, no challenge, no Retry-After; logged without the secret', async () => {
      const headers = { authorization: `Bearer ${emu.issueUserToken({ appId: fbApp.id, userId: ada.id })}` }
      const expected = await get(reference, '/user', headers)
      const actual = await get(viaPassport, '/user', headers)
      expect(actual).toEqual(expected)
      expect(actual.status).toBe(500)
      expect(actual.text).toContain('"error":"misconfigured"')
      expect(actual.headers['www-authenticate']).toBeUndefined()
      expect(actual.headers['retry-after']).toBeUndefined()
      const log = logger.lines.join('\n')
      expect(log).toMatch(/TokenAuthGuard/)
      expect(log).not.toContain(WRONG)
    })
  },
)
