import 'reflect-metadata'
import { Controller, Get, type INestApplication, Module, Param, UseGuards } from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import type { AccessToken, AppToken, LimitedLoginToken, PageToken, Tokens, UserToken } from '@tokens/core'
import { CurrentToken, RequireToken, TokenGuard, TokensModule } from '@tokens/nest'

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

  @Get('ios/me')
  @RequireToken('limited_login')
  ios(@CurrentToken() token: LimitedLoginToken) {
    return { framework: 'nest', userId: token.userId, name: token.name ?? null }
  }

  @Get('whoami')
  whoami(@CurrentToken() token: AccessToken | undefined) {
    return { framework: 'nest', token: token ?? null }
  }
}

/**
 * The API side in NestJS: `TokensModule`, `TokenGuard`, `@RequireToken()` and `@CurrentToken()` from
 * `@tokens/nest`, answering exactly as the Express API does. It uses the demo's one core (`tokens`), so a
 * user the web app's deauthorize callback revoked is refused here at once; the module leaves closing that
 * core to its owner, and the demo closes the app itself (no shutdown hooks of its own).
 */
export async function createNestApi(tokens: Tokens): Promise<INestApplication> {
  @Module({ imports: [TokensModule.forRootAsync({ useFactory: () => tokens })], controllers: [ApiController] })
  class ApiModule {}
  return NestFactory.create(ApiModule, { logger: ['error', 'warn'] })
}
