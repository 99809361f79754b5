import type { GraphRequest, GraphResult, Services } from './context.js'
import { unsupportedMethod } from './graph-errors.js'
import { route } from './router.js'
import { batch } from './routes/batch.js'
import { ids } from './routes/ids.js'

const OVERRIDES = new Set(['GET', 'POST', 'DELETE'])

/**
 * `method=get|post|delete` (query or body) turns the request into that method, as Graph does for
 * clients that can only send GET or POST (`POST /me/permissions?method=delete`).
 */
function overrideMethod(req: GraphRequest): void {
  const given = req.params.get('method')
  if (given === null) return
  const method = given.toUpperCase()
  if (!OVERRIDES.has(method)) throw unsupportedMethod(given)
  req.method = method
  req.params.delete('method')
}

/** Answers a Graph request: method override, then a batch (`POST /`), an `ids` lookup (`GET /?ids=`) or a route. */
export function dispatch(req: GraphRequest, services: Services): GraphResult {
  overrideMethod(req)
  if (req.segments.length === 0) {
    if (req.method === 'POST' && req.params.has('batch')) return batch(req, services, dispatch)
    if (req.params.has('ids')) return ids(req, services)
  }
  return route(req, services)
}
