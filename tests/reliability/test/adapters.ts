import 'reflect-metadata'
import { format } from 'node:util'
import {
  Controller,
  Get,
  HttpCode,
  type INestApplication,
  type LoggerService,
  Module,
  Post,
  UseGuards,
} from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import { ExpressAdapter } from '@nestjs/platform-express'
import { FastifyAdapter } from '@nestjs/platform-fastify'
import type { AccessToken, ClientToken, LimitedLoginToken, Tokens, UserToken } from '@tokens/core'
import { requireToken, tokens } from '@tokens/express'
import { tokens as fastifyTokens, logSerializers } from '@tokens/fastify'
import { CurrentToken, RequireToken, TokenGuard, TokensModule } from '@tokens/nest'
import { GraphTokenStrategy, tokensErrorHandler } from '@tokens/passport'
import express from 'express'
import Fastify from 'fastify'
import passport from 'passport'
import { lastResort, listen } from './world.js'

/** The adapters every test runs against; Nest on both of its platforms. */
export type Adapter = 'express' | 'fastify' | 'nest-express' | 'nest-fastify' | 'passport'
export const ADAPTERS: readonly Adapter[] = ['express', 'fastify', 'nest-express', 'nest-fastify', 'passport']

/** What a route answers for an accepted token: who it is, so tests can tell whose token got in. */
function describe(token: AccessToken): { type: string; appId: string; userId: string | null } {
  return { type: token.type, appId: token.appId, userId: 'userId' in token ? (token.userId ?? null) : null }
}

/** What an optionally authenticated route answers: the token it saw, or `null`. */
function seen(token: AccessToken | undefined): { token: ReturnType<typeof describe> | null } {
  return { token: token === undefined ? null : describe(token) }
}

/**
 * `/user` needs a user token, `/any` any token of ours, `/client` names the client token,
 * `/limited-login` names the iOS Limited Login token, `/optional` only reads a token when there is one; GET and POST (bodies may carry the token).
 */
function expressApp(core: Tokens) {
  const app = express()
  app.use(express.json({ limit: '64kb' }), express.urlencoded({ extended: false, limit: '64kb' }))
  app.use(tokens(core))
  for (const method of ['get', 'post'] as const) {
    app[method]('/user', requireToken('user'), (req, res) => {
      res.json(describe(req.token as UserToken))
    })
    app[method]('/any', requireToken(), (req, res) => {
      res.json(describe(req.token as AccessToken))
    })
    app[method]('/client', requireToken('client'), (req, res) => {
      res.json(describe(req.token as AccessToken))
    })
    app[method]('/limited-login', requireToken('limited_login'), (req, res) => {
      res.json(describe(req.token as LimitedLoginToken))
    })
    app[method]('/optional', (req, res) => {
      res.json(seen(req.token))
    })
  }
  app.use(lastResort)
  return listen(app)
}

/** A form body's fields; a field sent twice is a list, as `express.urlencoded()` makes it. */
function formFields(text: string): Record<string, string | string[]> {
  const fields: Record<string, string | string[]> = Object.create(null)
  for (const [name, value] of new URLSearchParams(text)) {
    const known = fields[name]
    fields[name] = known === undefined ? value : [known, value].flat()
  }
  return fields
}

/**
 * The same routes on Fastify. The core here may read tokens from form bodies, so the plugin verifies
 * after Fastify parsed the body (`hook: 'preValidation'`); its log lines go through `check`.
 */
async function fastifyApp(core: Tokens, check: (line: string) => void) {
  const app = Fastify({
    bodyLimit: 64 * 1024,
    logger: { level: 'info', serializers: logSerializers, stream: { write: (line: string) => check(line) } },
  })
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, formFields(body as string))
  })
  await app.register(fastifyTokens, { tokens: core, hook: 'preValidation' })
  for (const method of ['get', 'post'] as const) {
    app[method]('/user', { preHandler: app.requireToken('user') }, async (request) => describe(request.token))
    app[method]('/any', { preHandler: app.requireToken() }, async (request) => describe(request.token))
    app[method]('/client', { preHandler: app.requireToken('client') }, async (request) => describe(request.token))
    app[method]('/limited-login', { preHandler: app.requireToken('limited_login') }, async (request) =>
      describe(request.token),
    )
    app[method]('/optional', async (request) => seen(request.token))
  }
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: async () => {
      await app.close()
    },
  }
}

function passportApp(core: Tokens) {
  const auth = new passport.Passport()
  auth.use('graph-token-user', new GraphTokenStrategy({ tokens: core, type: 'user' }))
  auth.use(new GraphTokenStrategy({ tokens: core }))
  auth.use('graph-token-client', new GraphTokenStrategy({ tokens: core, type: 'client' }))
  auth.use('graph-token-limited-login', new GraphTokenStrategy({ tokens: core, type: 'limited_login' }))
  const app = express()
  app.use(express.json({ limit: '64kb' }), express.urlencoded({ extended: false, limit: '64kb' }))
  app.use(auth.initialize())
  const options = { session: false, failWithError: true }
  for (const method of ['get', 'post'] as const) {
    app[method]('/user', auth.authenticate('graph-token-user', options), (req, res) => {
      res.json(describe(req.user as UserToken))
    })
    app[method]('/any', auth.authenticate('graph-token', options), (req, res) => {
      res.json(describe(req.user as AccessToken))
    })
    app[method]('/client', auth.authenticate('graph-token-client', options), (req, res) => {
      res.json(describe(req.user as AccessToken))
    })
    app[method]('/limited-login', auth.authenticate('graph-token-limited-login', options), (req, res) => {
      res.json(describe(req.user as LimitedLoginToken))
    })
  }
  // Passport's own failure answer (no failWithError, no error handler of ours) must be sane too.
  for (const method of ['get', 'post'] as const) {
    app[method]('/plain', auth.authenticate('graph-token-user', { session: false }), (req, res) => {
      res.json(describe(req.user as UserToken))
    })
  }
  app.use(tokensErrorHandler())
  app.use(lastResort)
  return listen(app)
}

@Controller()
@UseGuards(TokenGuard)
class ReliabilityController {
  @Get('user')
  @RequireToken('user')
  user(@CurrentToken() token: UserToken) {
    return describe(token)
  }

  @Post('user')
  @HttpCode(200)
  @RequireToken('user')
  postUser(@CurrentToken() token: UserToken) {
    return describe(token)
  }

  @Get('any')
  @RequireToken()
  any(@CurrentToken() token: AccessToken) {
    return describe(token)
  }

  @Post('any')
  @HttpCode(200)
  @RequireToken()
  postAny(@CurrentToken() token: AccessToken) {
    return describe(token)
  }

  @Get('client')
  @RequireToken('client')
  client(@CurrentToken() token: ClientToken) {
    return describe(token)
  }

  @Get('limited-login')
  @RequireToken('limited_login')
  limitedLogin(@CurrentToken() token: LimitedLoginToken) {
    return describe(token)
  }

  @Post('limited-login')
  @HttpCode(200)
  @RequireToken('limited_login')
  postLimitedLogin(@CurrentToken() token: LimitedLoginToken) {
    return describe(token)
  }

  @Get('optional')
  optional(@CurrentToken() token: AccessToken | undefined) {
    return seen(token)
  }

  @Post('optional')
  @HttpCode(200)
  postOptional(@CurrentToken() token: AccessToken | undefined) {
    return seen(token)
  }
}

/** Nest's log lines, each checked by `check` (a leak detector) before it is kept. */
class CheckingLogger implements LoggerService {
  constructor(private readonly check: (line: string) => void) {}
  log(...args: unknown[]): void {
    this.check(format(...args))
  }
  error(...args: unknown[]): void {
    this.check(format(...args))
  }
  warn(...args: unknown[]): void {
    this.check(format(...args))
  }
  debug(...args: unknown[]): void {
    this.check(format(...args))
  }
  verbose(...args: unknown[]): void {
    this.check(format(...args))
  }
}

async function nestApp(core: Tokens, platform: 'express' | 'fastify', check: (line: string) => void) {
  @Module({
    imports: [TokensModule.forRootAsync({ useFactory: () => core })],
    controllers: [ReliabilityController],
  })
  class ReliabilityModule {}
  const httpAdapter = platform === 'express' ? new ExpressAdapter() : new FastifyAdapter()
  const app: INestApplication = await NestFactory.create(ReliabilityModule, httpAdapter, {
    logger: new CheckingLogger(check),
    bodyParser: true,
  })
  await app.listen(0, '127.0.0.1')
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1')
  return { url, close: () => app.close() }
}

/** Starts `adapter` around `core`; `check` sees every log line the framework writes. */
export function startAdapter(
  adapter: Adapter,
  core: Tokens,
  check: (line: string) => void,
): Promise<{ url: string; close: () => Promise<void> }> {
  switch (adapter) {
    case 'express':
      return expressApp(core)
    case 'fastify':
      return fastifyApp(core, check)
    case 'passport':
      return passportApp(core)
    case 'nest-express':
      return nestApp(core, 'express', check)
    case 'nest-fastify':
      return nestApp(core, 'fastify', check)
    default: {
      const unknown: never = adapter
      throw new TypeError(`unknown adapter ${String(unknown)}`)
    }
  }
}
