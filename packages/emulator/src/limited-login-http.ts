import type { IncomingMessage, ServerResponse } from 'node:http'
import { parseBody, readBody, sendJson } from './http-io.js'
import {
  JWKS_PATH,
  LIMITED_LOGIN_ISSUER,
  type LimitedLogin,
  OPENID_CONFIGURATION_PATH,
  UNINSTALL_PATH,
} from './limited-login.js'
import type { ServerDeps } from './server.js'

/** The Limited Login endpoints' paths, without their trailing slash. */
const PATHS = new Set([OPENID_CONFIGURATION_PATH, JWKS_PATH, UNINSTALL_PATH])

/** Whether `pathname` is one of Meta's Limited Login endpoints (OpenID discovery, JWKS, uninstall). */
export function isLimitedLoginPath(pathname: string): boolean {
  return PATHS.has(pathname.replace(/\/+$/, ''))
}

/**
 * Serves Meta's Limited Login endpoints on the emulator's origin: the discovery document, the JWKS
 * (with `Cache-Control: max-age`, as a key set is meant to be cached) and the uninstall endpoint.
 * Faults apply to them as to Graph paths, so tests can take the JWKS endpoint down.
 */
export async function handleLimitedLogin(
  deps: ServerDeps,
  limitedLogin: LimitedLogin,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const { services } = deps
  const path = url.pathname.replace(/\/+$/, '')
  services.countRequest(path)
  const fault = deps.faults.pick(path)
  if (fault?.latencyMs) await new Promise((resolve) => setTimeout(resolve, fault.latencyMs))
  if (deps.isClosed()) return
  if (fault?.hang) {
    deps.hung.add(res)
    res.on('close', () => deps.hung.delete(res))
    return
  }
  if (fault?.status !== undefined || fault?.errorCode !== undefined) {
    sendJson(res, fault.status ?? 500, { error: 'injected fault' }, {})
    return
  }
  const method = req.method ?? 'GET'
  const base = services.baseUrl()
  if (path === OPENID_CONFIGURATION_PATH && method === 'GET') {
    sendJson(
      res,
      200,
      {
        issuer: LIMITED_LOGIN_ISSUER,
        authorization_endpoint: `${base}/dialog/oauth/`,
        jwks_uri: `${base}${JWKS_PATH}/`,
        response_types_supported: ['id_token', 'token id_token'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        claims_supported: [
          'iss',
          'aud',
          'sub',
          'iat',
          'exp',
          'jti',
          'nonce',
          'at_hash',
          'name',
          'given_name',
          'middle_name',
          'family_name',
          'email',
          'picture',
          'user_friends',
          'user_birthday',
          'user_age_range',
          'user_link',
          'user_hometown',
          'user_location',
          'user_gender',
        ],
      },
      { 'cache-control': 'public, max-age=3600' },
    )
    return
  }
  if (path === JWKS_PATH && method === 'GET') {
    sendJson(res, 200, limitedLogin.jwks(), { 'cache-control': 'public, max-age=3600' })
    return
  }
  if (path === UNINSTALL_PATH && method === 'POST') {
    const params = parseBody(await readBody(req, deps.maxBodyBytes), req.headers['content-type'])
    const idToken = params.get('id_token') ?? ''
    const appId = params.get('app_id') ?? ''
    if (!services.directory.apps.has(appId)) {
      sendJson(res, 400, { error: { message: 'Unknown app_id', type: 'OAuthException', code: 100 } }, {})
      return
    }
    const checked = limitedLogin.check(idToken, appId)
    if ('error' in checked) {
      sendJson(res, 400, { error: { message: checked.error, type: 'OAuthException', code: 190 } }, {})
      return
    }
    if (services.directory.users.has(checked.userId)) services.removeApp(checked.userId, appId)
    sendJson(res, 200, { success: true }, {})
    return
  }
  sendJson(res, 405, { error: `${method} is not allowed on ${path}/` }, {})
}
