import type { AuthenticateOptions, TokenOfType, Tokens, TokenType } from '@tokens/core'
import type { Request } from 'express'
import { isSecureEnough } from './https-guard.js'

/**
 * The core's `authenticate` (with the HTTPS check); sets `req.token` and `req.tokens`. Rejects only
 * with `TokenError`.
 */
export async function authenticateRequest<T extends TokenType>(
  core: Tokens,
  req: Request,
  requirement: AuthenticateOptions<T>,
  allowInsecure: boolean | undefined,
): Promise<TokenOfType<T> | undefined> {
  const token = await core.authenticate(req, { ...requirement, secure: isSecureEnough(req, allowInsecure) })
  req.tokens = core
  req.token = token
  return token
}
