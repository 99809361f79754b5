import type { AuthenticateOptions, TokenOfType, Tokens, TokenType } from '@tokens/core'
import type { Request } from 'express'
import { checkTransport, checkVerifiedTransport } from './https-guard.js'

/**
 * The HTTPS guard, then the core's `authenticate`; sets `req.token` and `req.tokens`. Rejects only
 * with `TokenError`.
 */
export async function authenticateRequest<T extends TokenType>(
  core: Tokens,
  req: Request,
  requirement: AuthenticateOptions<T>,
  allowInsecure: boolean | undefined,
): Promise<TokenOfType<T> | undefined> {
  checkTransport(req, core, allowInsecure)
  const token = await core.authenticate(req, requirement)
  checkVerifiedTransport(req, core, token, allowInsecure)
  req.tokens = core
  req.token = token
  return token
}
