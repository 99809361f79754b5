import type { Caller } from '../caller.js'
import { type GraphRequest, type GraphResult, json, type Services } from '../context.js'
import { GraphError, missingParam, unsupportedMethod } from '../graph-errors.js'
import { feedConnection } from '../nodes/page-node.js'
import { edgeQuery } from '../paging.js'
import type { PageRecord } from '../state.js'
import { canManagePage } from './subjects.js'

const MAX_MESSAGE = 63206

/** `GET /{page-id}/feed` (the Page's posts, newest first, paged) and `POST /{page-id}/feed` with a Page token. */
export function feed(req: GraphRequest, services: Services, caller: Caller, page: PageRecord): GraphResult {
  if (req.method === 'GET') {
    if (!canManagePage(caller, page)) {
      throw GraphError.oauth(10, '(#10) This endpoint requires the pages_read_engagement permission')
    }
    return json(feedConnection(page, { req, services, caller }, edgeQuery(req, services)))
  }
  if (req.method === 'POST') {
    if (caller.kind === 'app' || caller.record.type !== 'PAGE' || caller.record.pageId !== page.id) {
      throw GraphError.oauth(200, '(#200) Publishing to a Page requires a Page access token of that Page')
    }
    if (!caller.record.scopes.includes('pages_manage_posts')) {
      throw GraphError.oauth(
        200,
        '(#200) If posting to a page, requires both pages_read_engagement and pages_manage_posts permission with page token',
      )
    }
    const message = req.params.get('message')
    if (!message) throw missingParam('message')
    if (message.length > MAX_MESSAGE) throw GraphError.oauth(100, '(#100) The message is too long')
    const id = `${page.id}_${page.feed.length + 1}`
    const createdTime = new Date(services.clock.now() * 1000).toISOString().replace(/\.\d{3}Z$/, '+0000')
    page.feed.push({ id, message, created_time: createdTime })
    return json({ id })
  }
  throw unsupportedMethod(req.method)
}
