import type { AccessToken, Tokens } from '@tokens/core'

/**
 * The properties `@tokens/express` adds to every Express request. This is the package's only
 * global augmentation; importing `@tokens/express` anywhere in a program applies it.
 *
 * @example
 * ```ts
 * import type { Request } from 'express'
 * import '@tokens/express'
 *
 * function who(req: Request): string | undefined {
 *   return req.token?.type === 'page' ? req.token.pageId : undefined
 * }
 * ```
 */
declare global {
  namespace Express {
    interface Request {
      /**
       * The verified access token, set by `tokens()` (or by `requireToken()` when it verifies
       * itself); `undefined` when the request carried none.
       */
      token?: AccessToken | undefined
      /** The core instance (app token, Page tokens, Graph client), set by `tokens()` or `requireToken()`. */
      tokens?: Tokens | undefined
    }
  }
}
