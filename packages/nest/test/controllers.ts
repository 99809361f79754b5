import { BadRequestException, Controller, Get, HttpCode, Inject, Post, UseGuards } from '@nestjs/common'
import type { AccessToken, AppToken, ClientToken, PageToken, SystemUserToken, UserToken } from '@tokens/core'
import { CurrentToken, Public, RequireToken, TokenGuard, TokensService } from '../src/index.js'

/** Routes of every kind of requirement, guarded per controller. */
@Controller()
@UseGuards(TokenGuard)
export class RoutesController {
  constructor(@Inject(TokensService) private readonly tokens: TokensService) {}

  @Get('optional')
  optional(@CurrentToken() token: AccessToken | undefined) {
    return { type: token?.type ?? null }
  }

  @Get('any')
  @RequireToken()
  any(@CurrentToken() token: AccessToken) {
    return { type: token.type, appId: token.appId }
  }

  @Get('user')
  @RequireToken('user')
  user(@CurrentToken() token: UserToken) {
    return { type: token.type, userId: token.userId }
  }

  @Post('user')
  @HttpCode(200)
  @RequireToken('user')
  postUser(@CurrentToken() token: UserToken) {
    return { type: token.type, userId: token.userId }
  }

  @Get('page')
  @RequireToken('page', { scopes: ['pages_manage_posts'] })
  page(@CurrentToken() token: PageToken) {
    return { type: token.type, pageId: token.pageId, userId: token.userId }
  }

  @Get('system')
  @RequireToken('system_user', { scopes: ['ads_read'] })
  system(@CurrentToken() token: SystemUserToken) {
    return { type: token.type, userId: token.userId }
  }

  @Get('app')
  @RequireToken('app')
  app(@CurrentToken() token: AppToken) {
    return { type: token.type, appId: token.appId }
  }

  @Get('client')
  @RequireToken('client')
  client(@CurrentToken() token: ClientToken) {
    return { type: token.type, appId: token.appId }
  }

  @Get('people')
  @RequireToken(['user', 'system_user'])
  people(@CurrentToken() token: UserToken | SystemUserToken) {
    return { type: token.type, userId: token.userId }
  }

  @Get('manual')
  manual(@CurrentToken() token: AccessToken | undefined) {
    const checked = this.tokens.authorize(token, { scopes: ['ads_management'] })
    return { type: checked.type }
  }

  @Get('bad-request')
  badRequest() {
    throw new BadRequestException('not a token problem')
  }

  @Get('crash')
  crash() {
    throw new Error('an unexpected failure')
  }
}

/** A controller-level requirement that one handler overrides. */
@Controller('pages')
@UseGuards(TokenGuard)
@RequireToken('user')
export class PagesController {
  @Get()
  list(@CurrentToken() token: UserToken) {
    return { type: token.type }
  }

  @Get('mine')
  @RequireToken('page')
  mine(@CurrentToken() token: PageToken) {
    return { type: token.type, pageId: token.pageId }
  }
}

/** Guarded globally (APP_GUARD): a user token everywhere but on public routes. */
@Controller('global')
@RequireToken('user')
export class GlobalController {
  @Get('private')
  private(@CurrentToken() token: UserToken) {
    return { userId: token.userId }
  }

  @Get('health')
  @Public()
  health(@CurrentToken() token: AccessToken | undefined) {
    return { ok: true, token: token?.type ?? null }
  }
}

/** Guarded globally, without a requirement: optional authentication. */
@Controller('open')
export class OpenController {
  @Get()
  open(@CurrentToken() token: AccessToken | undefined) {
    return { type: token?.type ?? null }
  }
}
