import type { IncomingMessage, ServerResponse } from 'node:http'
import { businessUseCaseUsage, rawToken } from './caller.js'
import type { GraphRequest, GraphResult, Services } from './context.js'
import type { FaultInjector } from './faults.js'
import { GraphError } from './graph-errors.js'
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
import { isLoopbackAddress, isLoopbackHost } from './loopback.js'
import { route } from './router.js'
import { newTraceId } from './tokens.js'

/** What the HTTP handler needs besides the Graph services. */
export interface ServerDeps {
  services: Services
  faults: FaultInjector
  counts: Map<string, number>
  maxBodyBytes: number
  /** Responses held open by `hang` faults, closed with the emulator. */
  hung: Set<ServerResponse>
  /** The port the emulator listens on: an admin request's `Host` must name it. */
  port(): number
  isClosed(): boolean
  admin(method: string, path: string, query: URLSearchParams, body: Buffer): Promise<{ status: number; body: unknown }>
}

const VERSIONED = /^\/(v\d+\.\d+)(\/.*)?$/
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
      sendRedirect(res, result.location, headers)
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
function adminRefusal(deps: ServerDeps, req: IncomingMessage): [number, string] | undefined {
  if (!isLoopbackAddress(req.socket.remoteAddress)) return [403, 'the admin API only answers loopback clients']
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
  const refusal = adminRefusal(deps, req)
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

async function handleGraph(deps: ServerDeps, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const { services } = deps
  const traceId = newTraceId()
  const match = VERSIONED.exec(url.pathname)
  const version = match?.[1]
  const rawPath = (match ? (match[2] ?? '/') : url.pathname).replace(/\/{2,}/g, '/')
  const path = rawPath.length > 1 ? rawPath.replace(/\/+$/, '') : rawPath
  deps.counts.set(path, (deps.counts.get(path) ?? 0) + 1)
  const headers: Record<string, string> = {
    'facebook-api-version': version ?? services.graphVersion,
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
    const segments = path
      .split('/')
      .filter((s) => s !== '')
      .map((s) => decodeURIComponent(s))
    graphReq = { method, path, segments, version, params, headerToken: headerToken(req) }
    if (fault?.errorCode !== undefined || fault?.status !== undefined) {
      // An injected failure still tells the caller's app where its budget stands, like every answer.
      const appId = callerApp(graphReq, services)
      if (appId !== undefined) headers['x-app-usage'] = JSON.stringify(services.usage.usage(appId))
      if (fault.errorCode !== undefined) throw GraphError.forCode(fault.errorCode, fault.status)
      throw GraphError.server(fault.status as number)
    }
    const result = route(graphReq, services)
    if (graphReq.appId) headers['x-app-usage'] = JSON.stringify(services.usage.usage(graphReq.appId))
    if (graphReq.pageId) headers['x-business-use-case-usage'] = businessUseCaseUsage(services, graphReq.pageId)
    write(res, result, headers)
  } catch (caught) {
    if (graphReq?.appId) headers['x-app-usage'] = JSON.stringify(services.usage.usage(graphReq.appId))
    if (graphReq?.pageId) headers['x-business-use-case-usage'] = businessUseCaseUsage(services, graphReq.pageId)
    let error: GraphError
    if (caught instanceof GraphError) error = caught
    else if (caught instanceof BodyTooLargeError) error = GraphError.oauth(100, '(#100) The request body is too large')
    else if (caught instanceof URIError) error = GraphError.oauth(100, '(#100) Malformed path')
    else error = GraphError.forCode(1)
    if (error.invalidToken)
      headers['www-authenticate'] = `OAuth "Facebook Platform" "invalid_token" "${error.message.replace(/"/g, "'")}"`
    if (!res.headersSent) sendJson(res, error.status, errorBody(error, traceId), headers)
  }
}

/** The request listener of the emulator: the admin API under `/__admin`, Graph everywhere else. */
export function createHandler(deps: ServerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    let url: URL
    try {
      url = new URL(req.url ?? '/', 'http://emulator.invalid')
    } catch {
      url = new URL('http://emulator.invalid/')
    }
    const work = url.pathname.startsWith('/__admin')
      ? handleAdmin(deps, req, res, url)
      : handleGraph(deps, req, res, url)
    work.catch(() => {
      if (!res.headersSent) res.writeHead(500).end()
    })
  }
}
