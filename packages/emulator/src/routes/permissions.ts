import type { Caller } from '../caller.js'
import { type GraphRequest, type GraphResult, json, type Services } from '../context.js'
import type { FieldSpec } from '../field-expansion.js'
import { type NodeType, type RenderContext, renderNode } from '../fields.js'
import { GraphError, unsupportedMethod } from '../graph-errors.js'
import { edgeQuery } from '../paging.js'
import type { PermissionStatus, UserRecord } from '../state.js'

interface PermissionEntry {
  permission: string
  status: PermissionStatus
}

const PERMISSION: NodeType<PermissionEntry> = {
  name: 'Permission',
  defaults: ['permission', 'status'],
  fields: {
    permission: (entry) => entry.permission,
    status: (entry) => entry.status,
  },
}

function entries(user: UserRecord, ctx: RenderContext, only: string | undefined, fields: FieldSpec[] | null) {
  const statuses = ctx.services.directory.permissions(user.id, ctx.caller.app.id) ?? new Map()
  return [...statuses]
    .filter(([name]) => only === undefined || name === only)
    .map(([permission, status]) => renderNode(PERMISSION, { permission, status }, ctx, fields))
}

/** `permissions` requested as a field: what the user granted the caller's app. */
export function permissionsField(user: UserRecord, ctx: RenderContext, spec: FieldSpec): { data: unknown[] } {
  return { data: entries(user, ctx, undefined, spec.children ?? null) }
}

/**
 * `GET|DELETE /{user-id}/permissions[/{permission}]`: what the user granted the caller's app; DELETE of the
 * whole edge removes the app (tokens → subcode 458, deauthorize callback), of one permission declines it.
 */
export function permissions(req: GraphRequest, services: Services, caller: Caller, user: UserRecord): GraphResult {
  const appId = caller.app.id
  const permission = req.segments[2]
  if (req.method === 'GET') {
    const ctx = { req, services, caller }
    return json({ data: entries(user, ctx, permission, edgeQuery(req, services).fields) })
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
