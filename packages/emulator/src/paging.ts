import type { GraphRequest, Services } from './context.js'
import { type FieldSpec, formatFields, requestedFields } from './field-expansion.js'
import { GraphError } from './graph-errors.js'

const DEFAULT_LIMIT = 25
const MAX_LIMIT = 100

/** What a connection (an edge, or an edge requested as a field) is asked for. */
export interface ConnectionQuery {
  limit: string | undefined
  after: string | undefined
  before: string | undefined
  /** The fields of each entry; `null` for the connection's defaults. */
  fields: FieldSpec[] | null
  /** An absolute `paging.next`/`previous` URL with these parameters set. */
  link(set: Record<string, string>): string
}

/** A connection's answer. */
export interface Connection {
  data: unknown[]
  paging?: Record<string, unknown>
}

function cursor(id: string): string {
  return Buffer.from(`cursor:${id}`, 'utf8').toString('base64url')
}

function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_LIMIT
  const limit = Number(raw)
  if (!Number.isInteger(limit) || limit < 1) return DEFAULT_LIMIT
  return Math.min(limit, MAX_LIMIT)
}

function findCursor(ids: string[], value: string): number {
  const index = ids.findIndex((id) => cursor(id) === value)
  if (index === -1) throw GraphError.oauth(100, '(#100) Invalid cursor')
  return index
}

/**
 * One page of `items` for a cursor-paged connection: `limit` (default 25, at most 100), `after` and
 * `before` cursors, and absolute `paging.next`/`previous` links (absent at either end).
 */
export function pageItems<T>(
  items: readonly T[],
  idOf: (item: T) => string,
  query: ConnectionQuery,
): { slice: T[]; paging?: Record<string, unknown> } {
  const ids = items.map(idOf)
  const limit = parseLimit(query.limit)
  const { after, before } = query
  let start = 0
  if (after) start = findCursor(ids, after) + 1
  else if (before) start = Math.max(0, findCursor(ids, before) - limit)
  const end = before && !after ? Math.max(0, findCursor(ids, before)) : Math.min(ids.length, start + limit)
  const slice = items.slice(start, end)
  const first = slice[0]
  const last = slice.at(-1)
  if (first === undefined || last === undefined) return { slice }
  const paging: Record<string, unknown> = { cursors: { before: cursor(idOf(first)), after: cursor(idOf(last)) } }
  if (start > 0) paging.previous = query.link({ limit: String(limit), before: cursor(idOf(first)) })
  if (end < ids.length) paging.next = query.link({ limit: String(limit), after: cursor(idOf(last)) })
  return { slice, paging }
}

function versionOf(req: GraphRequest, services: Services): string {
  return req.version ?? services.graphVersion
}

/** The query of an edge called as a path (`/me/accounts?limit=2`): links repeat the request's parameters. */
export function edgeQuery(req: GraphRequest, services: Services): ConnectionQuery {
  return {
    limit: req.params.get('limit') ?? undefined,
    after: req.params.get('after') ?? undefined,
    before: req.params.get('before') ?? undefined,
    fields: requestedFields(req.params),
    link: (set) => {
      const params = new URLSearchParams(req.params)
      params.delete('after')
      params.delete('before')
      for (const [name, value] of Object.entries(set)) params.set(name, value)
      return `${req.origin}/${versionOf(req, services)}${req.path}?${params}`
    },
  }
}

const CREDENTIALS = ['access_token', 'appsecret_proof', 'appsecret_time']

/**
 * The query of a connection requested as a field (`fields=accounts.limit(2){id}`): its modifiers, and
 * links to the edge itself (`/{node-id}/{edge}`) with the caller's credentials and the nested fields.
 */
export function fieldQuery(req: GraphRequest, services: Services, nodeId: string, spec: FieldSpec): ConnectionQuery {
  return {
    limit: spec.modifiers.get('limit'),
    after: spec.modifiers.get('after'),
    before: spec.modifiers.get('before'),
    fields: spec.children ?? null,
    link: (set) => {
      const params = new URLSearchParams()
      for (const name of CREDENTIALS) {
        const value = req.params.get(name)
        if (value !== null) params.set(name, value)
      }
      if (spec.children !== undefined) params.set('fields', formatFields(spec.children))
      for (const [name, value] of Object.entries(set)) params.set(name, value)
      return `${req.origin}/${versionOf(req, services)}/${nodeId}/${spec.name}?${params}`
    },
  }
}
