import 'reflect-metadata'
import {
  Controller,
  type ExecutionContext,
  Get,
  type INestApplication,
  Injectable,
  Module,
  UseGuards,
} from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import type { UserToken } from '@tokens/core'
import { CurrentToken, RequireToken, TokenGuard, TokensModule } from '@tokens/nest'
import { coreOptions } from './core-options.js'
import type { ServerConfig } from './server-config.js'
import { add, countRequest, now } from './timed-servers.js'

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

/** `TokenGuard`, timed: `canActivate` from its call to its answer (synchronous for a cached token). */
@Injectable()
class TimedTokenGuard extends TokenGuard {
  override canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const started = now()
    const answer = super.canActivate(context)
    add('TokenGuard.canActivate', now() - started)
    countRequest()
    return answer
  }
}

@Controller()
@UseGuards(TimedTokenGuard)
class TimedController {
  @Get('me')
  @RequireToken('user')
  me(@CurrentToken() token: UserToken) {
    return { id: token.userId }
  }
}

/** The benchmarked Nest server with its guard timed ({@link TimedTokenGuard}). */
export async function timedTokensNest(config: ServerConfig): Promise<INestApplication> {
  @Module({ imports: [TokensModule.forRoot(coreOptions(config))], controllers: [TimedController] })
  class TimedModule {}
  return NestFactory.create(TimedModule, { logger: ['error', 'warn'] })
}
