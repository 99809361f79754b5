import type { Caller } from '../caller.js'
import { type GraphRequest, type GraphResult, json, type Services } from '../context.js'
import { type RenderContext, renderNode } from '../fields.js'
import { GraphError, unsupportedMethod } from '../graph-errors.js'
import { PAGE } from '../nodes/page-node.js'
import { type Connection, type ConnectionQuery, edgeQuery, pageItems } from '../paging.js'
import type { UserRecord } from '../state.js'
import type { TokenRecord } from '../token-store.js'

const ACCOUNT_FIELDS = ['access_token', 'category', 'category_list', 'name', 'id', 'tasks']

/** The user token that may list the user's Pages, or why it may not (`undefined`: no `pages_show_list`). */
function listingToken(caller: Caller): TokenRecord | undefined {
  if (caller.kind === 'app' || caller.record.type === 'PAGE') {
    throw GraphError.oauth(100, '(#100) A user access token is required to list the Pages of a user')
  }
  return caller.record.scopes.includes('pages_show_list') ? caller.record : undefined
}

/** The user's Pages with their Page tokens, cursor-paged. */
function accountsOf(user: UserRecord, record: TokenRecord, ctx: RenderContext, query: ConnectionQuery): Connection {
  const pages = ctx.services.directory.pagesOf(user.id)
  const { slice, paging } = pageItems(pages, (page) => page.id, query)
  const data = slice.map((page) => {
    const token = ctx.services.tokens.derivedPageToken(record, page.id).value
    return renderNode(PAGE, { page, token }, ctx, query.fields, ACCOUNT_FIELDS)
  })
  return paging === undefined ? { data } : { data, paging }
}

/**
 * `accounts` requested as a field (`fields=accounts.limit(2){id,name}`): left out without
 * `pages_show_list` or with a token that cannot list Pages, like a field the caller may not see.
 */
export function accountsField(user: UserRecord, ctx: RenderContext, query: ConnectionQuery): Connection | undefined {
  const { caller } = ctx
  if (caller.kind === 'app' || caller.record.type === 'PAGE' || !caller.record.scopes.includes('pages_show_list')) {
    return undefined
  }
  return accountsOf(user, caller.record, ctx, query)
}

/** `GET /me/accounts` and `GET /{user-id}/accounts`: the user's Pages with Page tokens, cursor-paged. */
export function accounts(req: GraphRequest, services: Services, caller: Caller, user: UserRecord): GraphResult {
  if (req.method !== 'GET') throw unsupportedMethod(req.method)
  const record = listingToken(caller)
  if (record === undefined) {
    throw GraphError.oauth(10, "(#10) This endpoint requires the 'pages_show_list' permission")
  }
  return json(accountsOf(user, record, { req, services, caller }, edgeQuery(req, services)))
}
