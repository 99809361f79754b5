import { authenticate, type Caller } from '../caller.js'
import { type GraphRequest, type GraphResult, json, type Services } from '../context.js'
import { selectFields } from '../fields.js'
import { GraphError, unknownObject, unsupportedMethod } from '../graph-errors.js'
import type { PageRecord, UserRecord } from '../state.js'
import { canManagePage, noCurrentUser, notPageAdmin } from './subjects.js'

function userNode(user: UserRecord, caller: Caller, fields: string | null): Record<string, unknown> {
  const [first, ...rest] = user.name.split(' ')
  const hasEmail = caller.kind === 'app' || caller.record.scopes.includes('email')
  const available: Record<string, unknown> = {
    id: user.id,
    name: user.name,
    first_name: first,
    last_name: rest.join(' ') || undefined,
    // Fields Graph knows but the emulator has no value for: accepted (as profile libraries ask
    // for them by default) and left out of the answer, as Graph does for empty fields.
    middle_name: undefined,
    gender: undefined,
    picture: undefined,
    email: hasEmail ? user.email : undefined,
  }
  return selectFields(available, fields, ['name', 'id'], 'User')
}

/** The Page token a caller gets for `fields=access_token`, or Graph's refusal. */
function pageAccessToken(page: PageRecord, caller: Caller, services: Services): string {
  if (!canManagePage(caller, page) || caller.kind === 'app') throw notPageAdmin()
  if (caller.record.type === 'PAGE') return caller.raw
  return services.tokens.derivedPageToken(caller.record, page.id).value
}

function pageNode(page: PageRecord, caller: Caller, services: Services, fields: string | null) {
  const wantsToken = (fields ?? '').split(',').some((f) => f.trim() === 'access_token')
  const available: Record<string, unknown> = {
    id: page.id,
    name: page.name,
    category: page.category,
    category_list: [{ id: '2500', name: page.category }],
    access_token: wantsToken ? pageAccessToken(page, caller, services) : undefined,
    link: `https://www.facebook.com/${page.id}`,
  }
  return selectFields(available, fields, ['name', 'id'], 'Page')
}

/** `GET /me` and `GET /{id}` for users, Pages and apps. */
export function node(req: GraphRequest, services: Services): GraphResult {
  const segment = req.segments[0] ?? ''
  if (segment !== 'me' && !/^\d+$/.test(segment)) {
    authenticate(req, services)
    throw GraphError.oauth(803, `(#803) Some of the aliases you requested do not exist: ${segment}`)
  }
  const caller = authenticate(req, services)
  if (req.method !== 'GET') throw unsupportedMethod(req.method)
  const fields = req.params.get('fields')
  if (segment === 'me') {
    if (caller.kind === 'app') throw noCurrentUser()
    const { record } = caller
    if (record.type === 'PAGE' && record.pageId) {
      return json(pageNode(services.directory.page(record.pageId), caller, services, fields))
    }
    return json(userNode(services.directory.user(record.userId), caller, fields))
  }
  const page = services.directory.pages.get(segment)
  if (page) return json(pageNode(page, caller, services, fields))
  const user = services.directory.users.get(segment)
  const self = caller.kind === 'app' || (caller.record.type !== 'PAGE' && caller.record.userId === segment)
  if (user && self) return json(userNode(user, caller, fields))
  const app = services.directory.apps.get(segment)
  if (app) return json(selectFields({ id: app.id, name: app.name }, fields, ['name', 'id'], 'Application'))
  throw unknownObject(req.method, segment)
}
