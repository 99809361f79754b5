import { chargeApp } from '../caller.js'
import { type GraphRequest, type GraphResult, json, type Services } from '../context.js'
import { GraphError, unparsableToken, unsupportedMethod } from '../graph-errors.js'
import type { AppRecord } from '../state.js'
import { SIXTY_DAYS_SECONDS } from '../tokens.js'

function clientApp(req: GraphRequest, services: Services): AppRecord {
  const clientId = req.params.get('client_id')
  if (!clientId) throw GraphError.oauth(101, 'Missing client_id parameter.')
  const app = services.directory.apps.get(clientId)
  if (!app) throw GraphError.oauth(101, 'Error validating application. Invalid application ID.')
  chargeApp(req, services, app.id)
  const secret = req.params.get('client_secret')
  if (!secret) throw GraphError.oauth(1, 'Missing client_secret parameter.')
  if (secret !== app.secret) throw GraphError.oauth(1, 'Error validating client secret.')
  return app
}

function tokenAnswer(services: Services, value: string, expiresAt: number): GraphResult {
  const body: Record<string, unknown> = { access_token: value, token_type: 'bearer' }
  if (expiresAt !== 0) body.expires_in = expiresAt - services.clock.now()
  return json(body)
}

function exchangeCode(req: GraphRequest, services: Services, app: AppRecord, code: string): GraphResult {
  const redirectUri = req.params.get('redirect_uri')
  if (redirectUri === null) throw GraphError.oauth(100, 'Missing redirect_uri parameter.')
  const record = services.tokens.codes.get(code)
  if (!record || record.appId !== app.id) throw GraphError.oauth(100, 'Invalid verification code format.')
  if (record.used) throw GraphError.oauth(100, 'This authorization code has been used.', 36009)
  if (services.tokens.codeExpired(record)) throw GraphError.oauth(100, 'This authorization code has expired.', 36007)
  if (record.redirectUri !== redirectUri) {
    throw GraphError.oauth(
      100,
      'Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request',
      36008,
    )
  }
  record.used = true
  const scopes = services.directory.grantedScopes(record.userId, app.id)
  const token = services.tokens.issueUser(app.id, record.userId, scopes, 'short')
  return tokenAnswer(services, token.value, token.expiresAt)
}

function exchangeLongLived(req: GraphRequest, services: Services, app: AppRecord, raw: string): GraphResult {
  const resolved = services.tokens.resolve(raw)
  if (resolved.kind !== 'record') throw unparsableToken()
  const { record } = resolved
  if (record.appId !== app.id) {
    throw GraphError.invalidToken(`Error validating access token: The token was not issued for application ${app.id}.`)
  }
  const problem = services.tokens.problem(record)
  if (problem) throw GraphError.invalidToken(problem.message, problem.subcode)
  switch (record.type) {
    case 'USER': {
      const token = services.tokens.issueUser(app.id, record.userId, record.scopes, 'long')
      return tokenAnswer(services, token.value, token.expiresAt)
    }
    case 'SYSTEM_USER': {
      const sixty = req.params.get('set_token_expires_in_60_days') === 'true'
      const token = services.tokens.issueSystemUser(
        app.id,
        record.userId,
        record.scopes,
        sixty ? SIXTY_DAYS_SECONDS : 0,
      )
      return tokenAnswer(services, token.value, token.expiresAt)
    }
    case 'PAGE':
      throw GraphError.oauth(100, '(#100) Page access tokens cannot be exchanged; get them from /me/accounts')
    default: {
      const unknown: never = record.type
      throw new TypeError(`unhandled token type ${String(unknown)}`)
    }
  }
}

/** `GET /oauth/access_token`: client_credentials, authorization code, fb_exchange_token (and 60-day refresh). */
export function oauthAccessToken(req: GraphRequest, services: Services): GraphResult {
  if (req.method !== 'GET' && req.method !== 'POST') throw unsupportedMethod(req.method)
  const app = clientApp(req, services)
  const grant = req.params.get('grant_type')
  if (grant === 'client_credentials') return json({ access_token: app.issuedAppToken, token_type: 'bearer' })
  if (grant === 'fb_exchange_token') {
    const raw = req.params.get('fb_exchange_token')
    if (!raw) throw GraphError.oauth(100, '(#100) The parameter fb_exchange_token is required')
    return exchangeLongLived(req, services, app, raw)
  }
  const code = req.params.get('code')
  if (grant !== null && grant !== 'authorization_code') {
    throw GraphError.oauth(100, `(#100) Unsupported grant_type: ${grant}`)
  }
  if (!code) throw GraphError.oauth(100, '(#100) The parameter code is required')
  return exchangeCode(req, services, app, code)
}
