import { type CustomDecorator, SetMetadata } from '@nestjs/common'

/**
 * Metadata key of {@link Public} (read by `TokenGuard`), for guards of your own.
 *
 * @example
 * ```ts
 * const isPublic = reflector.getAllAndOverride<boolean>(PUBLIC_METADATA, [context.getHandler(), context.getClass()])
 * ```
 */
export const PUBLIC_METADATA = '@tokens/nest:public'

/**
 * Skips token handling on a route or a controller: with `TokenGuard` registered globally
 * (`APP_GUARD`), a public route neither reads nor verifies the request's token.
 *
 * @example
 * ```ts
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
