import { authenticate } from '../caller.js'
import { type GraphRequest, type GraphResult, json, type Services } from '../context.js'
import { selectFields } from '../fields.js'
import { GraphError, unsupportedMethod } from '../graph-errors.js'
import { userSubject } from './subjects.js'

const DEFAULT_LIMIT = 25
const MAX_LIMIT = 100
const ACCOUNT_FIELDS = ['access_token', 'category', 'category_list', 'name', 'id', 'tasks']

function cursor(id: string): string {
  return Buffer.from(`page:${id}`, 'utf8').toString('base64url')
}

function parseLimit(raw: string | null): number {
  if (raw === null) return DEFAULT_LIMIT
  const limit = Number(raw)
  if (!Number.isInteger(limit) || limit < 1) return DEFAULT_LIMIT
  return Math.min(limit, MAX_LIMIT)
}

function findCursor(ids: string[], value: string): number {
  const index = ids.findIndex((id) => cursor(id) === value)
  if (index === -1) throw GraphError.oauth(100, '(#100) Invalid cursor')
  return index
}

/** `GET /me/accounts` and `GET /{user-id}/accounts`: the user's Pages with Page tokens, cursor-paged. */
export function accounts(req: GraphRequest, services: Services): GraphResult {
  const caller = authenticate(req, services)
  if (req.method !== 'GET') throw unsupportedMethod(req.method)
  const user = userSubject(req.segments[0] ?? 'me', caller, services, req.method)
  if (caller.kind === 'app' || caller.record.type === 'PAGE') {
    throw GraphError.oauth(100, '(#100) A user access token is required to list the Pages of a user')
  }
  const { record } = caller
  if (!record.scopes.includes('pages_show_list')) {
    throw GraphError.oauth(10, "(#10) This endpoint requires the 'pages_show_list' permission")
  }
  const pages = services.directory.pagesOf(user.id)
  const ids = pages.map((p) => p.id)
  const limit = parseLimit(req.params.get('limit'))
  const after = req.params.get('after')
  const before = req.params.get('before')
  let start = 0
  if (after) start = findCursor(ids, after) + 1
  else if (before) start = Math.max(0, findCursor(ids, before) - limit)
  const end = before && !after ? Math.max(0, findCursor(ids, before)) : Math.min(ids.length, start + limit)
  const slice = pages.slice(start, end)
  const fields = req.params.get('fields')
  const data = slice.map((page) =>
    selectFields(
      {
        access_token: services.tokens.derivedPageToken(record, page.id).value,
        category: page.category,
        category_list: [{ id: '2500', name: page.category }],
        name: page.name,
        id: page.id,
        tasks: services.directory.tasks(),
      },
      fields,
      ACCOUNT_FIELDS,
      'Page',
    ),
  )
  const body: Record<string, unknown> = { data }
  const first = slice[0]
  const last = slice.at(-1)
  if (first && last) {
    const paging: Record<string, unknown> = { cursors: { before: cursor(first.id), after: cursor(last.id) } }
    const link = (name: 'after' | 'before', value: string) => {
      const params = new URLSearchParams(req.params)
      params.delete('after')
      params.delete('before')
      params.set('limit', String(limit))
      params.set(name, value)
      return `${services.baseUrl()}/${req.version ?? services.graphVersion}${req.path}?${params}`
    }
    if (start > 0) paging.previous = link('before', cursor(first.id))
    if (end < ids.length) paging.next = link('after', cursor(last.id))
    body.paging = paging
  }
  return json(body)
}
