import type { GraphRequest, GraphResult, Services } from '../context.js'
import { consentPage, dialogErrorPage } from '../dialog-html.js'
import type { AppRecord } from '../state.js'

class DialogError extends Error {}

function parseScopes(raw: string | null): string[] {
  const names = (raw ?? '').split(/[\s,]+/).filter((s) => /^[a-z_]+$/.test(s))
  return [...new Set(['public_profile', ...names])]
}

function checkApp(req: GraphRequest, services: Services): { app: AppRecord; redirectUri: string } {
  const clientId = req.params.get('client_id')
  const app = clientId ? services.directory.apps.get(clientId) : undefined
  if (!app) throw new DialogError('Invalid App ID: the client_id parameter does not name an app of this emulator.')
  const redirectUri = req.params.get('redirect_uri')
  if (!redirectUri || !app.redirectUris.includes(redirectUri)) {
    throw new DialogError(
      `URL blocked: this redirect failed because the redirect URI is not whitelisted in the app's Client OAuth Settings. Allowed: ${app.redirectUris.join(', ') || '(none)'}.`,
    )
  }
  return { app, redirectUri }
}

/**
 * The redirect back to the app: `redirect_uri` with `params`, and `#_=_` appended as Meta does when
 * `redirect_uri` has no fragment (browsers then carry it over the app's own redirects).
 */
function withParams(uri: string, params: Record<string, string | null>): string {
  const url = new URL(uri)
  for (const [key, value] of Object.entries(params)) if (value !== null) url.searchParams.set(key, value)
  return uri.includes('#') ? url.toString() : `${url.toString()}#_=_`
}

function show(req: GraphRequest, services: Services, app: AppRecord, redirectUri: string): GraphResult {
  const responseType = req.params.get('response_type')
  if (responseType !== null && responseType !== 'code') {
    throw new DialogError(`Unsupported response_type '${responseType}': this emulator supports 'code'.`)
  }
  const users = [...services.directory.users.values()]
  if (users.length === 0) throw new DialogError('The emulator has no users yet: create one with createUser().')
  const authType = req.params.get('auth_type')
  const scopes = parseScopes(req.params.get('scope'))
  const action = `${req.version ? `/${req.version}` : ''}/dialog/oauth`
  const state = req.params.get('state')
  return { kind: 'html', status: 200, html: consentPage({ action, app, users, scopes, redirectUri, state, authType }) }
}

function decide(req: GraphRequest, services: Services, app: AppRecord, redirectUri: string): GraphResult {
  const state = req.params.get('state')
  if (req.params.get('decision') !== 'allow') {
    const location = withParams(redirectUri, {
      error: 'access_denied',
      error_code: '200',
      error_description: 'Permissions error',
      error_reason: 'user_denied',
      state,
    })
    return { kind: 'redirect', location }
  }
  const user = services.directory.users.get(req.params.get('user_id') ?? '')
  if (!user) throw new DialogError('Pick a user to continue as.')
  const asked = parseScopes(req.params.get('scope'))
  const ticked = new Set(req.params.getAll('grant'))
  // Without auth_type=rerequest, Facebook does not ask again for what the user declined before.
  if (req.params.get('auth_type') !== 'rerequest') {
    const previous = services.directory.permissions(user.id, app.id)
    for (const scope of asked) if (previous?.get(scope) === 'declined') ticked.delete(scope)
  }
  const granted = asked.filter((s) => s === 'public_profile' || ticked.has(s))
  const declined = asked.filter((s) => s !== 'public_profile' && !ticked.has(s))
  services.directory.grant(user.id, app.id, granted, declined)
  const code = services.tokens.newCode(app.id, user.id, redirectUri)
  return { kind: 'redirect', location: withParams(redirectUri, { code, state }) }
}

/** `GET /dialog/oauth` (the consent page) and `POST /dialog/oauth` (the user's decision). */
export function dialog(req: GraphRequest, services: Services): GraphResult {
  try {
    const { app, redirectUri } = checkApp(req, services)
    if (req.method === 'GET') return show(req, services, app, redirectUri)
    if (req.method === 'POST') return decide(req, services, app, redirectUri)
    throw new DialogError(`Method ${req.method} is not supported by the login dialog.`)
  } catch (error) {
    if (!(error instanceof DialogError)) throw error
    return { kind: 'html', status: 400, html: dialogErrorPage('Login dialog error', error.message) }
  }
}
