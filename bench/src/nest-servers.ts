import 'reflect-metadata'
import {
  type CanActivate,
  Controller,
  type ExecutionContext,
  Get,
  type INestApplication,
  Injectable,
  Module,
  type Type,
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

/** NestJS (platform-express) with the route bare. */
export async function bareNest(): Promise<INestApplication> {
  @Module({ controllers: [BareController] })
  class BareModule {}
  return NestFactory.create(BareModule, { logger: ['error', 'warn'] })
}

/** The route behind `guard` + `@RequireToken('user')`, in a NestJS (platform-express) app of its own. */
function guardedNest(config: ServerConfig, guard: Type<CanActivate>): Promise<INestApplication> {
  @Controller()
  @UseGuards(guard)
  class GuardedController {
    @Get('me')
    @RequireToken('user')
    me(@CurrentToken() token: UserToken) {
      return { id: token.userId }
    }
  }
  @Module({ imports: [TokensModule.forRoot(coreOptions(config))], controllers: [GuardedController] })
  class GuardedModule {}
  return NestFactory.create(GuardedModule, { logger: ['error', 'warn'] })
}

/** The same route behind `TokenGuard` + `@RequireToken('user')`. */
export function tokensNest(config: ServerConfig): Promise<INestApplication> {
  return guardedNest(config, TokenGuard)
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

/** The benchmarked Nest server with its guard timed ({@link TimedTokenGuard}). */
export function timedTokensNest(config: ServerConfig): Promise<INestApplication> {
  return guardedNest(config, TimedTokenGuard)
}
