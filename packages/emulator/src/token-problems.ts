import { graphDate } from './tokens.js'
import type { InvalidationReason } from './types.js'

/** The subcode of 190 that each invalidation reason produces. */
export const SUBCODES: Record<InvalidationReason, number> = {
  password_changed: 460,
  logged_out: 466,
  app_removed: 458,
  page_role_lost: 492,
}

/** Why a known token is not valid: the 190 subcode and Graph's message. */
export interface TokenProblem {
  subcode: number
  message: string
}

/** Graph's message for an invalidated token. */
export function invalidationProblem(reason: InvalidationReason, userId: string, appId: string): TokenProblem {
  const prefix = 'Error validating access token: '
  switch (reason) {
    case 'password_changed':
      return {
        subcode: 460,
        message: `${prefix}The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.`,
      }
    case 'logged_out':
      return { subcode: 466, message: `${prefix}The session is invalid because the user logged out.` }
    case 'app_removed':
      return { subcode: 458, message: `${prefix}User ${userId} has not authorized application ${appId}.` }
    case 'page_role_lost':
      return {
        subcode: 492,
        message: `${prefix}The session is invalid because the user no longer has a role on the Page.`,
      }
    default: {
      const unknown: never = reason
      throw new TypeError(`unknown invalidation reason: ${String(unknown)}`)
    }
  }
}

/** Graph's message for a token past its `expires_at`. */
export function expiredProblem(expiresAt: number, now: number): TokenProblem {
  return {
    subcode: 463,
    message: `Error validating access token: Session has expired on ${graphDate(expiresAt)}. The current time is ${graphDate(now)}.`,
  }
}
