import { authenticate } from './caller.js'
import type { GraphRequest, GraphResult, Services } from './context.js'
import { GraphError } from './graph-errors.js'
import { accounts } from './routes/accounts.js'
import { debugToken } from './routes/debug-token.js'
import { dialog } from './routes/dialog.js'
import { feed } from './routes/feed.js'
import { node } from './routes/nodes.js'
import { oauthAccessToken } from './routes/oauth.js'
import { permissions } from './routes/permissions.js'

function unknownPath(segments: string[]): GraphError {
  return GraphError.oauth(2500, `Unknown path components: /${segments.join('/')}`)
}

const EDGES: Record<string, (req: GraphRequest, services: Services) => GraphResult> = {
  accounts,
  permissions,
  feed,
}

/** Dispatches a Graph request (version prefix already removed) to its route. */
export function route(req: GraphRequest, services: Services): GraphResult {
  const [first, second, third] = req.segments
  const depth = req.segments.length
  if (first === undefined) throw unknownPath(['?'])
  if (first === 'oauth' && second === 'access_token' && depth === 2) return oauthAccessToken(req, services)
  if (first === 'debug_token' && depth === 1) return debugToken(req, services)
  if (first === 'dialog' && second === 'oauth' && depth === 2) return dialog(req, services)
  const isNode = first === 'me' || /^\d+$/.test(first)
  if (depth === 1) return node(req, services)
  if (!isNode) throw unknownPath(req.segments.slice(1))
  if (second === undefined) return node(req, services)
  const edge = EDGES[second]
  if (edge && (depth === 2 || (second === 'permissions' && depth === 3 && third !== undefined))) {
    return edge(req, services)
  }
  if (depth === 2) {
    authenticate(req, services)
    throw GraphError.oauth(100, `(#100) Tried accessing nonexisting field (${second}) on node type (User)`)
  }
  throw unknownPath(req.segments.slice(1))
}
