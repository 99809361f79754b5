import { createParamDecorator, type ExecutionContext } from '@nestjs/common'
import { findToken } from './token-request.js'

/**
 * Injects the token `TokenGuard` verified: `undefined` on routes without `@RequireToken` when the
 * request carried none. Type the parameter as the class `@RequireToken` lets through; a method
 * decorated with `@RequireToken('page')` does not compile with a `UserToken` parameter.
 *
 * @example
 * ```ts
 * import { Controller, Get } from '@nestjs/common'
 * import type { AccessToken, PageToken } from '@tokens/core'
 *
 * @Controller()
 * class MeController {
 *   @Get('page')
 *   @RequireToken('page')
 *   page(@CurrentToken() page: PageToken) {
 *     return { pageId: page.pageId }
 *   }
 *
 *   @Get('optional')
 *   optional(@CurrentToken() token: AccessToken | undefined) {
 *     return { signedIn: token !== undefined }
 *   }
 * }
 * ```
 */
export const CurrentToken: () => ParameterDecorator = createParamDecorator(
  (_data: unknown, context: ExecutionContext) => findToken(context),
)
