import { authenticate } from '../caller.js'
import { type GraphRequest, type GraphResult, json, type Services } from '../context.js'
import { GraphError, unsupportedMethod } from '../graph-errors.js'
import { userSubject } from './subjects.js'

/**
 * `GET|DELETE /{user-id}/permissions[/{permission}]`: what the user granted the caller's app; DELETE of the
 * whole edge removes the app (tokens → subcode 458, deauthorize callback), of one permission declines it.
 */
export function permissions(req: GraphRequest, services: Services): GraphResult {
  const caller = authenticate(req, services)
  const user = userSubject(req.segments[0] ?? 'me', caller, services, req.method)
  const appId = caller.app.id
  const permission = req.segments[2]
  if (req.method === 'GET') {
    const statuses = services.directory.permissions(user.id, appId) ?? new Map()
    const data = [...statuses]
      .filter(([name]) => permission === undefined || name === permission)
      .map(([name, status]) => ({ permission: name, status }))
    return json({ data })
  }
  if (req.method === 'DELETE') {
    if (permission === undefined || permission === 'public_profile') {
      services.removeApp(user.id, appId)
      return json({ success: true })
    }
    if (!/^[a-z_]+$/.test(permission)) throw GraphError.oauth(100, `(#100) Invalid permission: ${permission}`)
    services.directory.grant(user.id, appId, [], [permission])
    services.tokens.dropScope(user.id, appId, permission)
    return json({ success: true })
  }
  throw unsupportedMethod(req.method)
}
