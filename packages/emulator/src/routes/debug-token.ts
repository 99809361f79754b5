import { authenticate, type Caller } from '../caller.js'
import { type GraphRequest, type GraphResult, json, type Services } from '../context.js'
import { requestedFields } from '../field-expansion.js'
import { nonexistingField, put } from '../fields.js'
import { GraphError, missingParam, unsupportedMethod } from '../graph-errors.js'
import type { TokenRecord } from '../token-store.js'

const NOT_AN_APP_TOKEN =
  '(#100) You must provide an app access token, or a user access token that is an owner or developer of the app'

/** Whether a scope is granted per Page (so `granular_scopes` lists `target_ids`). */
function isPageScoped(scope: string): boolean {
  return scope.startsWith('pages_') || scope === 'read_insights' || scope.startsWith('instagram_')
}

function granularScopes(record: TokenRecord, services: Services): Array<{ scope: string; target_ids?: string[] }> {
  const targets =
    record.type === 'PAGE' && record.pageId
      ? [record.pageId]
      : services.directory.pagesOf(record.userId).map((p) => p.id)
  return record.scopes.map((scope) =>
    isPageScoped(scope) && targets.length > 0 ? { scope, target_ids: [...targets] } : { scope },
  )
}

function describe(record: TokenRecord, services: Services): Record<string, unknown> {
  const app = services.directory.app(record.appId)
  const data: Record<string, unknown> = {
    app_id: app.id,
    type: record.type,
    application: app.name,
    data_access_expires_at: record.dataAccessExpiresAt,
    expires_at: record.expiresAt,
    is_valid: true,
  }
  if (!(record.type === 'USER' && record.lifetime === 'short')) data.issued_at = record.issuedAt
  if (record.type === 'PAGE') data.profile_id = record.pageId
  data.scopes = [...record.scopes]
  data.granular_scopes = granularScopes(record, services)
  data.user_id = record.userId
  const problem = services.tokens.problem(record)
  if (problem) {
    data.is_valid = false
    data.error = { code: 190, message: problem.message, subcode: problem.subcode }
  }
  return data
}

/** The fields of debug_token's `data` that `fields=` may select. */
const DATA_FIELDS = [
  'app_id',
  'type',
  'application',
  'data_access_expires_at',
  'expires_at',
  'is_valid',
  'issued_at',
  'profile_id',
  'scopes',
  'granular_scopes',
  'user_id',
  'error',
]

/** Whether the caller may debug tokens: an app token, or a user token of a developer of its app. */
function mayDebug(caller: Caller): boolean {
  if (caller.kind === 'app') return true
  const { record } = caller
  return record.type === 'USER' && caller.app.developers.includes(record.userId)
}

function describeInput(input: string, services: Services): Record<string, unknown> {
  const resolved = services.tokens.resolve(input)
  switch (resolved.kind) {
    case 'record':
      return describe(resolved.record, services)
    case 'app':
      return { app_id: resolved.app.id, type: 'APP', application: resolved.app.name, is_valid: true, scopes: [] }
    case 'client':
    case 'bad_app_secret':
    case 'unknown':
      return {
        error: { code: 190, message: 'Invalid OAuth access token - Cannot parse access token' },
        is_valid: false,
        scopes: [],
      }
    default: {
      const unknown: never = resolved
      throw new TypeError(`unhandled token kind ${String(unknown)}`)
    }
  }
}

/**
 * `GET /debug_token?input_token=T&access_token=A`: metadata of T, HTTP 200 even when T is bad. A is an app
 * token or a user token of one of the app's developers. `fields=` selects fields of `data` (`error` is kept
 * whenever T is not valid).
 */
export function debugToken(req: GraphRequest, services: Services): GraphResult {
  if (req.method !== 'GET') throw unsupportedMethod(req.method)
  const caller = authenticate(req, services)
  if (!mayDebug(caller)) throw GraphError.oauth(100, NOT_AN_APP_TOKEN)
  const input = req.params.get('input_token')
  if (!input) throw missingParam('input_token')
  const fields = requestedFields(req.params)
  const data = describeInput(input, services)
  if (fields === null) return json({ data })
  const selected: Record<string, unknown> = {}
  for (const spec of fields) {
    if (!DATA_FIELDS.includes(spec.name)) throw nonexistingField(spec.name, 'DebugTokenInfo')
    if (data[spec.name] !== undefined) put(selected, spec.alias ?? spec.name, data[spec.name])
  }
  if (data.error !== undefined) selected.error = data.error
  return json({ data: selected })
}
