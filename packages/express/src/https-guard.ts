import { type AccessToken, extractToken, TokenError, type Tokens } from '@tokens/core'
import type { Request } from 'express'

/** Whether Express considers the request insecure in production (`req.secure` honours `trust proxy`). */
function insecureInProduction(req: Request, allowInsecure: boolean | undefined): boolean {
  return allowInsecure !== true && !req.secure && req.app.get('env') === 'production'
}

/** Whether the request carries something that looks like a bearer token, wherever it is. */
function carriesToken(req: Request): boolean {
  try {
    return extractToken(req, { sources: { header: true, query: true, body: true }, maxTokenLength: 1e9 }) !== undefined
  } catch {
    return true // sent twice or malformed: a token travelled all the same
  }
}

function insecure(core: Tokens): TokenError {
  return new TokenError('invalid_request', 'Access tokens must be sent over HTTPS', { realm: core.realm })
}

/**
 * Refuses, before any Graph call, a request that carries a token over plain HTTP in production.
 * Meta requires tokens to move over HTTPS. The core has no notion of transport, so the adapter
 * builds this one `TokenError` itself (status and headers still come from the core's table).
 */
export function checkTransport(req: Request, core: Tokens, allowInsecure: boolean | undefined): void {
  if (insecureInProduction(req, allowInsecure) && carriesToken(req)) throw insecure(core)
}

/** The same check after verification, for tokens found where `carriesToken` does not look (a cookie). */
export function checkVerifiedTransport(
  req: Request,
  core: Tokens,
  token: AccessToken | undefined,
  allowInsecure: boolean | undefined,
): void {
  if (token !== undefined && insecureInProduction(req, allowInsecure)) throw insecure(core)
}
