import { authenticate, type Caller } from './caller.js'
import type { GraphRequest, GraphResult, Services } from './context.js'
import { nonexistingField } from './fields.js'
import { GraphError } from './graph-errors.js'
import { aliasesDoNotExist, isNodeName, nodeTypeName, type ResolvedNode, resolveNode } from './nodes/resolve-node.js'
import { accounts } from './routes/accounts.js'
import { debugToken } from './routes/debug-token.js'
import { dialog } from './routes/dialog.js'
import { feed } from './routes/feed.js'
import { node } from './routes/nodes.js'
import { oauthAccessToken } from './routes/oauth.js'
import { permissions } from './routes/permissions.js'
import { picture } from './routes/picture.js'

function unknownPath(segments: string[]): GraphError {
  return GraphError.oauth(2500, `Unknown path components: /${segments.join('/')}`)
}

type Edge = (req: GraphRequest, services: Services, caller: Caller, node: ResolvedNode) => GraphResult | undefined

/** The edges of each node type; an edge a type does not have is "nonexisting field" on that type. */
const EDGES: Record<string, Edge> = {
  accounts: (req, services, caller, node) =>
    node.type === 'user' ? accounts(req, services, caller, node.user) : undefined,
  permissions: (req, services, caller, node) =>
    node.type === 'user' ? permissions(req, services, caller, node.user) : undefined,
  feed: (req, services, caller, node) => (node.type === 'page' ? feed(req, services, caller, node.page) : undefined),
  picture: (req, _services, _caller, node) => {
    if (node.type === 'user') return picture(req, node.user.profile.pictureUrl)
    if (node.type === 'page') return picture(req, node.page.fields.pictureUrl)
    return undefined
  },
}

/** Dispatches a Graph request (version prefix already removed) to its route. */
export function route(req: GraphRequest, services: Services): GraphResult {
  const [first, second] = req.segments
  const depth = req.segments.length
  if (first === undefined) throw unknownPath(['?'])
  if (first === 'oauth' && second === 'access_token' && depth === 2) return oauthAccessToken(req, services)
  if (first === 'debug_token' && depth === 1) return debugToken(req, services)
  if (first === 'dialog' && second === 'oauth' && depth === 2) return dialog(req, services)
  if (!isNodeName(first)) {
    if (depth > 1) throw unknownPath(req.segments.slice(1))
    authenticate(req, services)
    throw aliasesDoNotExist([first])
  }
  if (depth > 3 || (depth === 3 && second !== 'permissions')) throw unknownPath(req.segments.slice(1))
  const caller = authenticate(req, services)
  const resolved = resolveNode(first, caller, services, req.method)
  if (second === undefined) return node(req, services, caller, resolved)
  const edge = Object.hasOwn(EDGES, second) ? EDGES[second] : undefined
  const result = edge?.(req, services, caller, resolved)
  if (result === undefined) throw nonexistingField(second, nodeTypeName(resolved))
  return result
}
