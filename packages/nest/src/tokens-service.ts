import type { OnApplicationShutdown } from '@nestjs/common'
import { Tokens } from '@tokens/core'

/**
 * The core `Tokens` instance as an injectable Nest provider: verify tokens, get app and Page tokens,
 * call Graph. Provided by {@link TokensModule}, which closes it when the application shuts down.
 *
 * @example
 * ```ts
 * import { Injectable } from '@nestjs/common'
 * import type { UserToken } from '@tokens/core'
 *
 * @Injectable()
 * class PagesService {
 *   constructor(private readonly tokens: TokensService) {}
 *   pages(user: UserToken) {
 *     return this.tokens.pageTokens(user)
 *   }
 *   me(user: UserToken) {
 *     return this.tokens.graph.get('/me', { token: user })
 *   }
 * }
 * ```
 */
export class TokensService extends Tokens implements OnApplicationShutdown {
  /** Releases the core's cache and store (called by Nest on `app.close()` and shutdown signals). */
  async onApplicationShutdown(): Promise<void> {
    await this.close()
  }
}
