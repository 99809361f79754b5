import type { Request } from 'express'

/**
 * Whether a request counts as secure for the core's HTTPS check: over HTTPS (`req.secure` honours
 * `trust proxy`), outside production, or with `allowInsecure`. The core refuses tokens on the rest.
 */
export function isSecureEnough(req: Request, allowInsecure: boolean | undefined): boolean {
  // Cheapest first: `req.secure` evaluates `trust proxy` on every call.
  return allowInsecure === true || req.app.get('env') !== 'production' || req.secure
}
