import { authenticate } from '../caller.js'
import { type GraphRequest, type GraphResult, json, type Services } from '../context.js'
import { requestedFields } from '../field-expansion.js'
import { put } from '../fields.js'
import { GraphError, unsupportedMethod } from '../graph-errors.js'
import { aliasesDoNotExist, isNodeName, renderResolved, resolveNode } from '../nodes/resolve-node.js'

/** How many ids one `?ids=` lookup may name. */
export const MAX_IDS = 50

/** The distinct, non-empty names of an `ids` parameter, in order. */
export function parseIds(raw: string): string[] {
  return [
    ...new Set(
      raw
        .split(',')
        .map((name) => name.trim())
        .filter((name) => name !== ''),
    ),
  ]
}

/** `GET /?ids=ID1,ID2&fields=…`: an object keyed by id, each node with the requested fields. */
export function ids(req: GraphRequest, services: Services): GraphResult {
  if (req.method !== 'GET') throw unsupportedMethod(req.method)
  const names = parseIds(req.params.get('ids') ?? '')
  if (names.length === 0) throw GraphError.oauth(100, '(#100) The parameter ids is required')
  if (names.length > MAX_IDS) {
    throw GraphError.oauth(100, `(#100) Too many IDs. Maximum: ${MAX_IDS}. Provided: ${names.length}.`)
  }
  const caller = authenticate(req, services)
  const aliases = names.filter((name) => !isNodeName(name))
  if (aliases.length > 0) throw aliasesDoNotExist(aliases)
  const fields = requestedFields(req.params)
  const ctx = { req, services, caller }
  const out: Record<string, unknown> = {}
  for (const name of names) put(out, name, renderResolved(resolveNode(name, caller, services, req.method), ctx, fields))
  return json(out)
}
