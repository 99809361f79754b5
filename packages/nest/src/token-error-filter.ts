import { type ArgumentsHost, Catch, type ExceptionFilter, Inject, Logger, Optional } from '@nestjs/common'
import { HttpAdapterHost } from '@nestjs/core'
import { TokenError } from '@tokens/core'
import { TokensService } from './tokens-service.js'

/**
 * Answers a `TokenError` exactly as the core says: its status, `WWW-Authenticate` or `Retry-After`
 * (and `Cache-Control: no-store`) headers, and JSON body, through the platform's adapter (Express or
 * Fastify). A `misconfigured` error (Graph refused the app's own credentials) is also logged, as
 * Nest logs any 500: it is the server's to fix. Catches nothing else. `TokensModule` installs it globally; use it directly only when your
 * own catch-all filter would otherwise take `TokenError`s.
 *
 * @example
 * ```ts
 * import { Controller, UseFilters } from '@nestjs/common'
 *
 * @Controller('posts')
 * @UseFilters(TokenErrorFilter)
 * class PostsController {}
 * ```
 */
@Catch(TokenError)
export class TokenErrorFilter implements ExceptionFilter<TokenError> {
  readonly #logger = new Logger('TokenErrorFilter')

  constructor(
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
    /** The realm of the challenges is its `realm` option (`'api'` without `TokensModule`). */
    @Optional() @Inject(TokensService) private readonly tokens?: TokensService,
  ) {}

  catch(error: TokenError, host: ArgumentsHost): unknown {
    if (error.code === 'misconfigured') this.#logger.error(error.message)
    // GraphQL and RPC contexts render errors themselves; hand the error back to them.
    if (host.getType() !== 'http') return error
    const { httpAdapter } = this.adapterHost
    const response: unknown = host.switchToHttp().getResponse()
    const { status, headers, body } = error.toResponse(this.tokens?.realm)
    for (const [name, value] of Object.entries(headers)) httpAdapter.setHeader(response, name, value)
    httpAdapter.reply(response, body, status)
    return undefined
  }
}
