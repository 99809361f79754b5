import { type CustomDecorator, SetMetadata } from '@nestjs/common'

/**
 * Metadata key of {@link Public} (read by `TokenGuard`), for guards of your own.
 *
 * @example
 * ```ts
 * import type { ExecutionContext } from '@nestjs/common'
 * import type { Reflector } from '@nestjs/core'
 *
 * function isPublic(reflector: Reflector, context: ExecutionContext): boolean {
 *   return reflector.getAllAndOverride<boolean>(PUBLIC_METADATA, [context.getHandler(), context.getClass()]) === true
 * }
 * ```
 */
export const PUBLIC_METADATA = '@tokens/nest:public'

/**
 * Skips token handling on a route or a controller: with `TokenGuard` registered globally
 * (`APP_GUARD`), a public route neither reads nor verifies the request's token.
 *
 * @example
 * ```ts
 * import { Controller, Get } from '@nestjs/common'
 *
 * @Controller('health')
 * class HealthController {
 *   @Get()
 *   @Public()
 *   check() {
 *     return { ok: true }
 *   }
 * }
 * ```
 */
export function Public(): CustomDecorator<string> {
  return SetMetadata(PUBLIC_METADATA, true)
}
