import type { Caller } from '../caller.js'
import { GraphError } from '../graph-errors.js'
import type { PageRecord } from '../state.js'

/** The answer when `/me` is called with an app token. */
export function noCurrentUser(): GraphError {
  return GraphError.oauth(2500, 'An active access token must be used to query information about the current user.')
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
