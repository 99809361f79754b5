import type { Emulator } from './emulator.js'
import type { LimitedLoginTokenOptions } from './limited-login.js'
import type {
  AppOptions,
  FaultOptions,
  InvalidationReason,
  PageOptions,
  PageTokenOptions,
  PageUpdate,
  SystemUserTokenOptions,
  UsagePreset,
  UserOptions,
  UserProfile,
  UserTokenOptions,
} from './types.js'

/** An admin API answer. */
export interface AdminAnswer {
  status: number
  body: unknown
}

type JsonObject = Record<string, unknown>

function parseJson(body: Buffer): unknown {
  if (body.length === 0) return {}
  try {
    return JSON.parse(body.toString('utf8'))
  } catch {
    throw new TypeError('the admin API expects a JSON body')
  }
}

function object(value: unknown): JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError('the admin API expects a JSON object')
  }
  return value as JsonObject
}

function text(body: JsonObject, name: string): string {
  const value = body[name]
  if (typeof value !== 'string' || value === '') throw new TypeError(`'${name}' must be a non-empty string`)
  return value
}

function ok(body: unknown, status = 200): AdminAnswer {
  return { status, body }
}

/**
 * The admin API: the programmatic operations over HTTP (JSON in and out), under `/__admin`.
 * Unknown routes answer 404; bad input 400 `{"error": "..."}`.
 */
export async function handleAdmin(
  emu: Emulator,
  method: string,
  path: string,
  query: URLSearchParams,
  raw: Buffer,
): Promise<AdminAnswer> {
  const route = `${method} ${path.replace(/\/+$/, '')}`
  const body = (): JsonObject => object(parseJson(raw))
  const appToken = /^GET \/__admin\/apps\/(\d+)\/token$/.exec(route)
  if (appToken?.[1]) return ok({ access_token: emu.appToken(appToken[1]) })
  const usage = /^PUT \/__admin\/apps\/(\d+)\/usage$/.exec(route)
  if (usage?.[1]) {
    emu.setUsage(usage[1], body() as UsagePreset)
    return ok({ success: true })
  }
  const user = /^PATCH \/__admin\/users\/(\d+)$/.exec(route)
  if (user?.[1]) return ok(emu.updateUser(user[1], body() as UserProfile))
  const page = /^PATCH \/__admin\/pages\/(\d+)$/.exec(route)
  if (page?.[1]) return ok(emu.updatePage(page[1], body() as PageUpdate))
  const pageUsage = /^PUT \/__admin\/pages\/(\d+)\/usage$/.exec(route)
  if (pageUsage?.[1]) {
    emu.setPageUsage(pageUsage[1], body() as UsagePreset)
    return ok({ success: true })
  }
  switch (route) {
    case 'GET /__admin/state':
      return ok(emu.state())
    case 'POST /__admin/apps':
      return ok(emu.createApp(body() as AppOptions), 201)
    case 'POST /__admin/users':
      return ok(emu.createUser(body() as UserOptions), 201)
    case 'POST /__admin/pages':
      return ok(emu.createPage(body() as unknown as PageOptions), 201)
    case 'POST /__admin/tokens/user':
      return ok({ access_token: emu.issueUserToken(body() as unknown as UserTokenOptions) }, 201)
    case 'POST /__admin/tokens/page':
      return ok({ access_token: emu.issuePageToken(body() as unknown as PageTokenOptions) }, 201)
    case 'POST /__admin/tokens/system-user':
      return ok({ access_token: emu.issueSystemUserToken(body() as unknown as SystemUserTokenOptions) }, 201)
    case 'POST /__admin/tokens/limited-login':
      return ok({ id_token: emu.issueLimitedLoginToken(body() as unknown as LimitedLoginTokenOptions) }, 201)
    case 'POST /__admin/limited-login/rotate-key':
      return ok({ kid: emu.rotateLimitedLoginKey() })
    case 'POST /__admin/tokens/invalidate': {
      const b = body()
      emu.invalidateToken(text(b, 'token'), text(b, 'reason') as InvalidationReason)
      return ok({ success: true })
    }
    case 'GET /__admin/time':
      return ok({ now: emu.now() })
    case 'POST /__admin/time/advance': {
      const seconds = body().seconds
      if (typeof seconds !== 'number') throw new TypeError("'seconds' must be a number")
      return ok({ now: emu.advanceTime(seconds) })
    }
    case 'PUT /__admin/faults': {
      const parsed = parseJson(raw)
      emu.setFaults(parsed === null ? null : (object(parsed) as FaultOptions))
      return ok({ success: true })
    }
    case 'DELETE /__admin/faults':
      emu.setFaults(null)
      return ok({ success: true })
    case 'GET /__admin/counts': {
      const path = query.get('path')
      return ok({ count: emu.requestCount(path ?? undefined), paths: emu.requestCounts() })
    }
    case 'DELETE /__admin/counts':
      emu.resetCounts()
      return ok({ success: true })
    case 'POST /__admin/signed-request': {
      const b = body()
      return ok({ signed_request: emu.signedRequest(text(b, 'appId'), object(b.payload ?? {})) })
    }
    case 'POST /__admin/remove-app': {
      const b = body()
      emu.removeApp(text(b, 'userId'), text(b, 'appId'))
      return ok({ success: true })
    }
    case 'POST /__admin/request-data-deletion': {
      const b = body()
      return ok(await emu.requestDataDeletion(text(b, 'userId'), text(b, 'appId')))
    }
    default:
      return { status: 404, body: { error: `no admin route ${route}` } }
  }
}
