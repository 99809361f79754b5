import type { GraphRequest, Services } from './context.js'
import { GraphError, unparsableToken } from './graph-errors.js'
import { checkProof } from './proof.js'
import type { AppRecord } from './state.js'
import type { TokenRecord } from './token-store.js'

/** The verified token a Graph call was made with. */
export type Caller =
  | { kind: 'record'; raw: string; record: TokenRecord; app: AppRecord }
  | { kind: 'app'; raw: string; app: AppRecord }

/** Counts a call against the app's hourly budget, throttling with code 4 when it is spent. */
export function chargeApp(req: GraphRequest, services: Services, appId: string): void {
  req.appId = appId
  if (services.usage.throttled(appId)) throw GraphError.forCode(4)
  services.usage.record(appId)
}

/** Counts a Page token's call against the Page's business use case budget (code 80001 when spent). */
function chargePage(req: GraphRequest, services: Services, pageId: string): void {
  req.pageId = pageId
  if (services.pageUsage.throttled(pageId)) throw GraphError.forCode(80001)
  services.pageUsage.record(pageId)
}

/** The `X-Business-Use-Case-Usage` header of a Page's budget. */
export function businessUseCaseUsage(services: Services, pageId: string): string {
  const usage = services.pageUsage.usage(pageId)
  const minutes = services.pageUsage.throttled(pageId) ? Math.ceil(services.pageUsage.secondsToReset(pageId) / 60) : 0
  return JSON.stringify({ [pageId]: [{ type: 'pages', ...usage, estimated_time_to_regain_access: minutes }] })
}

/** The raw access token of a call (parameter first, then the Authorization header). */
export function rawToken(req: GraphRequest): string | undefined {
  const param = req.params.get('access_token')
  return param !== null && param !== '' ? param : req.headerToken
}

/**
 * Resolves and checks the caller's token: known, valid, of a known app, with a good `appsecret_proof`,
 * within the app's budget. Throws the Graph error otherwise.
 */
export function authenticate(req: GraphRequest, services: Services): Caller {
  const raw = rawToken(req)
  if (raw === undefined) {
    if (req.segments[0] === 'me') {
      throw GraphError.oauth(2500, 'An active access token must be used to query information about the current user.')
    }
    throw GraphError.oauth(104, 'An access token is required to request this resource.')
  }
  const resolved = services.tokens.resolve(raw)
  switch (resolved.kind) {
    case 'unknown':
      throw unparsableToken()
    case 'bad_app_secret':
      throw GraphError.invalidToken('Invalid OAuth access token signature.')
    case 'client':
      chargeApp(req, services, resolved.app.id)
      throw GraphError.oauth(190, 'Client tokens cannot be used for this call. Use an app or user access token.')
    case 'app':
      chargeApp(req, services, resolved.app.id)
      checkProof(req.params, raw, resolved.app.secret, false, services.clock.now())
      return { kind: 'app', raw, app: resolved.app }
    case 'record': {
      chargeApp(req, services, resolved.app.id)
      const problem = services.tokens.problem(resolved.record)
      if (problem) throw GraphError.invalidToken(problem.message, problem.subcode)
      checkProof(req.params, raw, resolved.app.secret, resolved.app.requireProof, services.clock.now())
      if (resolved.record.type === 'PAGE' && resolved.record.pageId) chargePage(req, services, resolved.record.pageId)
      return { kind: 'record', raw, record: resolved.record, app: resolved.app }
    }
    default: {
      const unknown: never = resolved
      throw new TypeError(`unhandled token kind ${String(unknown)}`)
    }
  }
}
