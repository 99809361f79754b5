import type { Caller } from '../caller.js'
import { type GraphRequest, type GraphResult, json, type Services } from '../context.js'
import { requestedFields } from '../field-expansion.js'
import { unsupportedMethod } from '../graph-errors.js'
import { type ResolvedNode, renderResolved } from '../nodes/resolve-node.js'

/** `GET /me` and `GET /{id}` for users, Pages and apps, with `fields` and field expansion. */
export function node(req: GraphRequest, services: Services, caller: Caller, resolved: ResolvedNode): GraphResult {
  if (req.method !== 'GET') throw unsupportedMethod(req.method)
  return json(renderResolved(resolved, { req, services, caller }, requestedFields(req.params)))
}
