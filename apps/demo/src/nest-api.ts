import 'reflect-metadata'
import { Controller, Get, type INestApplication, Module, Param, UseGuards } from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import type { AccessToken, AppToken, PageToken, UserToken } from '@tokens/core'
import { CurrentToken, RequireToken, TokenGuard, TokensModule, type TokensModuleOptions } from '@tokens/nest'

@Controller('api')
@UseGuards(TokenGuard)
class ApiController {
  @Get('me')
  @RequireToken('user')
  me(@CurrentToken() token: UserToken) {
    return { framework: 'nest', userId: token.userId, scopes: token.scopes, expiresAt: token.expiresAt }
  }

  @Get('pages/:pageId')
  @RequireToken('page', { scopes: ['pages_manage_posts'] })
  page(@CurrentToken() token: PageToken, @Param('pageId') pageId: string) {
    return { framework: 'nest', pageId: token.pageId, matches: token.pageId === pageId }
  }

  @Get('app')
  @RequireToken('app')
  app(@CurrentToken() token: AppToken) {
    return { framework: 'nest', appId: token.appId }
  }

  @Get('whoami')
  whoami(@CurrentToken() token: AccessToken | undefined) {
    return { framework: 'nest', token: token ?? null }
  }
}

/**
 * The API side in NestJS: `TokensModule`, `TokenGuard`, `@RequireToken()` and `@CurrentToken()` from
 * `@tokens/nest`, answering exactly as the Express API does.
 */
export async function createNestApi(options: TokensModuleOptions): Promise<INestApplication> {
  @Module({ imports: [TokensModule.forRoot(options)], controllers: [ApiController] })
  class ApiModule {}
  const app = await NestFactory.create(ApiModule, { logger: ['error', 'warn'] })
  app.enableShutdownHooks()
  return app
}
