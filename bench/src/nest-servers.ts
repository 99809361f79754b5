import 'reflect-metadata'
import { Controller, Get, type INestApplication, Module, UseGuards } from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import type { UserToken } from '@tokens/core'
import { CurrentToken, RequireToken, TokenGuard, TokensModule } from '@tokens/nest'
import { coreOptions } from './core-options.js'
import type { ServerConfig } from './server-config.js'

@Controller()
class BareController {
  @Get('me')
  me() {
    return { id: 'anonymous' }
  }
}

@Controller()
@UseGuards(TokenGuard)
class GuardedController {
  @Get('me')
  @RequireToken('user')
  me(@CurrentToken() token: UserToken) {
    return { id: token.userId }
  }
}

/** NestJS (platform-express) with the route bare. */
export async function bareNest(): Promise<INestApplication> {
  @Module({ controllers: [BareController] })
  class BareModule {}
  return NestFactory.create(BareModule, { logger: ['error', 'warn'] })
}

/** The same route behind `TokenGuard` + `@RequireToken('user')`. */
export async function tokensNest(config: ServerConfig): Promise<INestApplication> {
  @Module({ imports: [TokensModule.forRoot(coreOptions(config))], controllers: [GuardedController] })
  class GuardedModule {}
  return NestFactory.create(GuardedModule, { logger: ['error', 'warn'] })
}
