import type { Caller } from '../caller.js'
import type { Services } from '../context.js'
import { GraphError, unknownObject } from '../graph-errors.js'
import type { PageRecord, UserRecord } from '../state.js'

/** The answer when `/me` is called with an app token. */
export function noCurrentUser(): GraphError {
  return GraphError.oauth(2500, 'An active access token must be used to query information about the current user.')
}

/**
 * The user a path's first segment names (`me` or a user id), as seen by the caller: the caller's own user,
 * or any existing user for an app token. Others do not exist for this caller.
 */
export function userSubject(segment: string, caller: Caller, services: Services, method: string): UserRecord {
  if (segment === 'me') {
    if (caller.kind === 'app') throw noCurrentUser()
    if (caller.record.type === 'PAGE') throw unknownObject(method, 'me')
    return services.directory.user(caller.record.userId)
  }
  const user = services.directory.users.get(segment)
  if (!user) throw unknownObject(method, segment)
  if (caller.kind === 'app') return user
  if (caller.record.type !== 'PAGE' && caller.record.userId === user.id) return user
  throw unknownObject(method, segment)
}

/** The Page a path's first segment names (`me` with a page token, or a Page id). */
export function pageSubject(segment: string, caller: Caller, services: Services): PageRecord | undefined {
  if (segment === 'me') {
    if (caller.kind === 'record' && caller.record.type === 'PAGE' && caller.record.pageId) {
      return services.directory.pages.get(caller.record.pageId)
    }
    return undefined
  }
  return services.directory.pages.get(segment)
}

/** Whether the caller may act on the Page: its own page token, or a user token of someone with a role. */
export function canManagePage(caller: Caller, page: PageRecord): boolean {
  if (caller.kind === 'app') return false
  const { record } = caller
  if (record.type === 'PAGE') return record.pageId === page.id
  return page.admins.has(record.userId)
}

/** Graph's refusal to hand a Page token to someone without a role on the Page. */
export function notPageAdmin(): GraphError {
  return GraphError.oauth(
    200,
    '(#200) The user must be an administrator, editor, or moderator of the page in order to impersonate it.',
  )
}
