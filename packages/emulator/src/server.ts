import type { IncomingMessage, ServerResponse } from 'node:http'
import { businessUseCaseUsage, rawToken } from './caller.js'
import type { GraphRequest, GraphResult, Services } from './context.js'
import { dispatch } from './dispatch.js'
import type { FaultInjector } from './faults.js'
import { GraphError } from './graph-errors.js'
import { graphSegments, parseGraphPath } from './graph-path.js'
import {
  BodyTooLargeError,
  headerToken,
  mergeParams,
  parseBody,
  readBody,
  sendHtml,
  sendJson,
  sendRedirect,
} from './http-io.js'
import type { LimitedLogin } from './limited-login.js'
import { handleLimitedLogin, isLimitedLoginPath } from './limited-login-http.js'
import { isLoopbackAddress, isLoopbackHost } from './loopback.js'
import { SILHOUETTE_PATH, SILHOUETTE_PNG } from './picture.js'
import { newTraceId } from './tokens.js'

/** What the HTTP handler needs besides the Graph services. */
export interface ServerDeps {
  services: Services
  faults: FaultInjector
  maxBodyBytes: number
  /** Responses held open by `hang` faults, closed with the emulator. */
  hung: Set<ServerResponse>
  /** The port the emulator listens on: an admin request's `Host` must name it. */
  port(): number
  isClosed(): boolean
  /** Limited Login's keys and ID tokens, served on the OpenID discovery, JWKS and uninstall paths. */
  limitedLogin: LimitedLogin
  admin(method: string, path: string, query: URLSearchParams, body: Buffer): Promise<{ status: number; body: unknown }>
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

function errorBody(error: GraphError, traceId: string): unknown {
  return { error: { ...error.body, fbtrace_id: traceId } }
}

function write(res: ServerResponse, result: GraphResult, headers: Record<string, string>): void {
  switch (result.kind) {
    case 'json':
      sendJson(res, result.status ?? 200, result.body, headers)
      return
    case 'html':
      sendHtml(res, result.status, result.html, headers)
      return
    case 'redirect':
      sendRedirect(
        res,
        result.location,
        result.contentType === undefined ? headers : { ...headers, 'content-type': result.contentType },
      )
      return
    default: {
      const unknown: never = result
      throw new TypeError(`unhandled result ${String(unknown)}`)
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Why an admin request is refused before it is read, as `[status, error]`; `undefined` if it is not. */
function adminRefusal(deps: ServerDeps, req: IncomingMessage, url: URL): [number, string] | undefined {
  if (!isLoopbackAddress(req.socket.remoteAddress)) return [403, 'the admin API only answers loopback clients']
  // A request sent as to a proxy (`GET http://other.example/__admin/state`) names another server.
  if (url.host !== 'emulator.invalid' && !isLoopbackHost(url.host, deps.port())) {
    return [403, 'the admin API only answers requests for itself']
  }
  // A page on another origin must not drive the emulator: a Host that is not loopback is DNS rebinding,
  // an Origin that is not the emulator's own is a cross-origin request (even a no-cors one).
  const host = req.headers.host
  if (!isLoopbackHost(host, deps.port())) {
    return [403, 'the admin API only answers a loopback Host (localhost, 127.x or [::1] with its port)']
  }
  const origin = req.headers.origin
  if (origin !== undefined && origin !== `http://${host?.toLowerCase()}`) {
    return [403, `the admin API does not answer requests from another origin (${origin})`]
  }
  // Every write with a body (POST, PUT, PATCH, a DELETE that has one) is JSON: a form or text/plain
  // body is what a page on another origin can send without asking.
  const method = req.method ?? 'GET'
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined
  const takesBody = ['POST', 'PUT', 'PATCH'].includes(method) || (hasBody && method !== 'GET' && method !== 'HEAD')
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase()
  if (takesBody && type !== 'application/json') {
    return [415, 'the admin API accepts only application/json request bodies']
  }
  return undefined
}

async function handleAdmin(deps: ServerDeps, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const refusal = adminRefusal(deps, req, url)
  if (refusal) {
    sendJson(res, refusal[0], { error: refusal[1] }, {})
    return
  }
  try {
    const body = await readBody(req, deps.maxBodyBytes)
    const answer = await deps.admin(req.method ?? 'GET', url.pathname, url.searchParams, body)
    sendJson(res, answer.status, answer.body, {})
  } catch (error) {
    const status = error instanceof BodyTooLargeError ? 413 : 400
    sendJson(res, status, { error: error instanceof Error ? error.message : String(error) }, {})
  }
}

/** The app a call is made for, from its token or its `client_id`; `undefined` if none. */
function callerApp(graphReq: GraphRequest, services: Services): string | undefined {
  const raw = rawToken(graphReq)
  if (raw !== undefined) {
    const resolved = services.tokens.resolve(raw)
    if (resolved.kind !== 'unknown') return resolved.app.id
  }
  const clientId = graphReq.params.get('client_id')
  return clientId && services.directory.apps.get(clientId) ? clientId : undefined
}

/** A `Host` header that can go into a URL as it is: a name or an address, and a port. */
const HOST = /^(?:[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,16}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/

/**
 * The scheme and host the client called, for paging links: from an absolute request target (a client
 * sending through a proxy), else `X-Forwarded-Proto` and `Host`, else the emulator's own URL.
 */
function originOf(req: IncomingMessage, target: URL, fallback: string): string {
  if (target.host !== 'emulator.invalid') return `${target.protocol}//${target.host}`
  const host = req.headers.host
  if (host === undefined || !HOST.test(host)) return fallback
  const forwarded = req.headers['x-forwarded-proto']
  return `${forwarded === 'https' ? 'https' : 'http'}://${host}`
}

async function handleGraph(deps: ServerDeps, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const { services } = deps
  const traceId = newTraceId()
  const parsed = parseGraphPath(url.pathname)
  const { path } = parsed
  services.countRequest(path)
  const headers: Record<string, string> = {
    'facebook-api-version': parsed.version ?? services.graphVersion,
    'x-fb-trace-id': traceId,
    'access-control-allow-origin': '*',
    'cache-control': 'private, no-cache, no-store, must-revalidate',
  }
  let graphReq: GraphRequest | undefined
  try {
    const fault = deps.faults.pick(path)
    if (fault?.latencyMs) await sleep(fault.latencyMs)
    if (deps.isClosed()) return
    if (fault?.hang) {
      deps.hung.add(res)
      res.on('close', () => deps.hung.delete(res))
      return
    }
    const method = req.method ?? 'GET'
    const body = BODY_METHODS.has(method) ? await readBody(req, deps.maxBodyBytes) : Buffer.alloc(0)
    const params = mergeParams(url.searchParams, parseBody(body, req.headers['content-type']))
    graphReq = {
      method,
      path,
      segments: [],
      version: parsed.version,
      params,
      headerToken: headerToken(req),
      origin: originOf(req, url, services.baseUrl()),
    }
    if (fault?.errorCode !== undefined || fault?.status !== undefined) {
      // An injected failure still tells the caller's app where its budget stands, like every answer.
      const appId = callerApp(graphReq, services)
      if (appId !== undefined) headers['x-app-usage'] = JSON.stringify(services.usage.usage(appId))
      if (fault.errorCode !== undefined) throw GraphError.forCode(fault.errorCode, fault.status)
      throw GraphError.server(fault.status as number)
    }
    graphReq.segments = graphSegments(parsed)
    const result = dispatch(graphReq, services)
    if (graphReq.appId) headers['x-app-usage'] = JSON.stringify(services.usage.usage(graphReq.appId))
    if (graphReq.pageId) headers['x-business-use-case-usage'] = businessUseCaseUsage(services, graphReq.pageId)
    write(res, result, headers)
  } catch (caught) {
    if (graphReq?.appId) headers['x-app-usage'] = JSON.stringify(services.usage.usage(graphReq.appId))
    if (graphReq?.pageId) headers['x-business-use-case-usage'] = businessUseCaseUsage(services, graphReq.pageId)
    let error: GraphError
    if (caught instanceof GraphError) error = caught
    else if (caught instanceof BodyTooLargeError) error = GraphError.oauth(100, '(#100) The request body is too large')
    else error = GraphError.forCode(1)
    const www = error.wwwAuthenticate()
    if (www !== undefined) headers['www-authenticate'] = www
    if (!res.headersSent) sendJson(res, error.status, errorBody(error, traceId), headers)
  }
}

/** The silhouette image `picture` URLs point at when no picture was seeded. */
function sendSilhouette(res: ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'image/png',
    'content-length': String(SILHOUETTE_PNG.length),
    'cache-control': 'public, max-age=86400',
  })
  res.end(SILHOUETTE_PNG)
}

/**
 * The request listener of the emulator: the admin API under `/__admin`, Limited Login's OpenID and
 * uninstall endpoints on their paths, Graph everywhere else.
 */
export function createHandler(deps: ServerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    let url: URL
    try {
      url = new URL(req.url ?? '/', 'http://emulator.invalid')
    } catch {
      url = new URL('http://emulator.invalid/')
    }
    if (url.pathname === SILHOUETTE_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
      sendSilhouette(res)
      return
    }
    const work = url.pathname.startsWith('/__admin')
      ? handleAdmin(deps, req, res, url)
      : isLimitedLoginPath(url.pathname)
        ? handleLimitedLogin(deps, deps.limitedLogin, req, res, url)
        : handleGraph(deps, req, res, url)
    work.catch(() => {
      if (!res.headersSent) res.writeHead(500).end()
    })
  }
}
