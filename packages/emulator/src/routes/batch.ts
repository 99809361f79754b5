import { referencedNames, substituteReferences } from '../batch-references.js'
import type { GraphRequest, GraphResult, Services } from '../context.js'
import { GraphError, missingParam, unsupportedMethod } from '../graph-errors.js'
import { graphSegments, parseGraphPath } from '../graph-path.js'
import { newTraceId } from '../tokens.js'

/** How many requests one batch may hold, as on Graph. */
export const MAX_BATCH = 50

/** One request of a batch, as sent. */
export interface BatchItem {
  method: string
  relativeUrl: string
  /** Form-encoded parameters (`body`, a string, or an object of fields). */
  body: string
  name: string | undefined
  dependsOn: string | undefined
  /** `omit_response_on_success`, when given. */
  omit: boolean | undefined
}

/** One answer of a batch: `null` when omitted. */
export type BatchAnswer = { code: number; headers?: Array<{ name: string; value: string }>; body: string } | null

function invalid(message: string): GraphError {
  return GraphError.oauth(100, `(#100) ${message}`)
}

function formBody(value: unknown, index: number): string {
  if (value === undefined || value === null) return ''
  if (typeof value === 'string') return value
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid(`batch[${index}].body must be a string`)
  const params = new URLSearchParams()
  for (const [key, field] of Object.entries(value)) {
    params.append(key, typeof field === 'string' ? field : JSON.stringify(field))
  }
  return params.toString()
}

function optionalText(item: Record<string, unknown>, key: string, index: number): string | undefined {
  const value = item[key]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') throw invalid(`batch[${index}].${key} must be a string`)
  return value
}

function flag(value: unknown): boolean | undefined {
  if (value === true || value === 'true') return true
  if (value === false || value === 'false') return false
  return undefined
}

/**
 * Parses the `batch` parameter: a JSON array of at most {@link MAX_BATCH} objects with `relative_url` and
 * optionally `method`, `body`, `name`, `depends_on` and `omit_response_on_success`. Anything else is a
 * code 100 error for the whole batch.
 */
export function parseBatch(raw: string): BatchItem[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch {
    throw invalid('The parameter batch must be a JSON array of requests')
  }
  if (!Array.isArray(parsed)) throw invalid('The parameter batch must be a JSON array of requests')
  if (parsed.length === 0) throw invalid('The parameter batch must hold at least one request')
  if (parsed.length > MAX_BATCH) {
    throw invalid(`Too many requests in batch message. Maximum batch size is ${MAX_BATCH}`)
  }
  return parsed.map((entry: unknown, index) => {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      throw invalid(`batch[${index}] must be an object`)
    }
    const item = entry as Record<string, unknown>
    const relativeUrl = optionalText(item, 'relative_url', index)
    if (relativeUrl === undefined) throw invalid(`batch[${index}].relative_url is required`)
    return {
      method: (optionalText(item, 'method', index) ?? 'GET').toUpperCase(),
      relativeUrl,
      body: formBody(item.body, index),
      name: optionalText(item, 'name', index),
      dependsOn: optionalText(item, 'depends_on', index),
      omit: flag(item.omit_response_on_success),
    }
  })
}

const INHERITED = ['access_token', 'appsecret_proof', 'appsecret_time']

/** The request a batch item stands for: its own parameters, and the batch's token when it has none. */
function subRequest(batch: GraphRequest, item: BatchItem, relativeUrl: string, body: string): GraphRequest {
  const question = relativeUrl.indexOf('?')
  const rawPath = question === -1 ? relativeUrl : relativeUrl.slice(0, question)
  const params = new URLSearchParams(question === -1 ? '' : relativeUrl.slice(question + 1))
  for (const [key, value] of new URLSearchParams(body)) {
    params.delete(key)
    params.append(key, value)
  }
  if (!params.has('access_token')) {
    for (const key of INHERITED) {
      const value = batch.params.get(key)
      if (value !== null && !params.has(key)) params.set(key, value)
    }
  }
  const parsed = parseGraphPath(`/${rawPath.replace(/^\/+/, '')}`)
  const version = parsed.requested === undefined ? batch.version : parsed.version
  const sub: GraphRequest = {
    method: item.method,
    path: parsed.path,
    segments: [],
    version,
    params,
    headerToken: batch.headerToken,
    origin: batch.origin,
    inBatch: true,
  }
  sub.segments = graphSegments(parsed)
  return sub
}

interface Outcome {
  answer: Exclude<BatchAnswer, null>
  ok: boolean
  json: unknown
}

function headerList(version: string, extra: Record<string, string>): Array<{ name: string; value: string }> {
  const headers = [
    { name: 'Content-Type', value: 'application/json; charset=UTF-8' },
    { name: 'facebook-api-version', value: version },
    { name: 'Cache-Control', value: 'private, no-cache, no-store, must-revalidate' },
  ]
  for (const [name, value] of Object.entries(extra)) headers.push({ name, value })
  return headers
}

function failure(error: GraphError, version: string): Outcome {
  const www = error.wwwAuthenticate()
  const body = { error: { ...error.body, fbtrace_id: newTraceId() } }
  const headers = headerList(version, www === undefined ? {} : { 'WWW-Authenticate': www })
  return { answer: { code: error.status, headers, body: JSON.stringify(body) }, ok: false, json: body }
}

function success(result: GraphResult, version: string): Outcome {
  switch (result.kind) {
    case 'json': {
      const code = result.status ?? 200
      const answer = { code, headers: headerList(version, {}), body: JSON.stringify(result.body) }
      return { answer, ok: code === 200, json: result.body }
    }
    case 'redirect':
      return {
        answer: { code: 302, headers: headerList(version, { Location: result.location }), body: '' },
        ok: true,
        json: {},
      }
    case 'html':
      return failure(GraphError.oauth(100, '(#100) The login dialog cannot be called in a batch'), version)
    default: {
      const unknown: never = result
      throw new TypeError(`unhandled result ${String(unknown)}`)
    }
  }
}

/**
 * `POST /` with `batch=[…]`: runs each request in order, each authorised by its own `access_token` or the
 * batch's, with `depends_on`, `name` and `{result=NAME:$.path}` references to earlier answers. Answers a JSON
 * array, one `{code, headers, body}` per request (body as a string), or `null` for an omitted response.
 */
export function batch(
  req: GraphRequest,
  services: Services,
  dispatch: (req: GraphRequest, services: Services) => GraphResult,
): GraphResult {
  if (req.inBatch) throw invalid('A batch cannot contain another batch')
  if (req.method !== 'POST') throw unsupportedMethod(req.method)
  const raw = req.params.get('batch')
  if (raw === null) throw missingParam('batch')
  const items = parseBatch(raw)
  const withHeaders = req.params.get('include_headers') !== 'false'
  const referenced = new Set<string>()
  for (const item of items) {
    if (item.dependsOn !== undefined) referenced.add(item.dependsOn)
    for (const name of [...referencedNames(item.relativeUrl), ...referencedNames(item.body)]) referenced.add(name)
  }
  const named = new Map<string, Outcome>()
  const answers: BatchAnswer[] = []
  for (const item of items) {
    let version = req.version ?? services.graphVersion
    let outcome: Outcome
    try {
      const lookup = (name: string): unknown => {
        const earlier = named.get(name)
        if (earlier === undefined) throw invalid(`No earlier request of this batch is named ${name}`)
        if (!earlier.ok) throw invalid(`The request named ${name}, which this request depends on, failed`)
        return earlier.json
      }
      if (item.dependsOn !== undefined) lookup(item.dependsOn)
      const sub = subRequest(
        req,
        item,
        substituteReferences(item.relativeUrl, lookup),
        substituteReferences(item.body, lookup),
      )
      version = sub.version ?? version
      services.countRequest(sub.path)
      outcome = success(dispatch(sub, services), version)
      req.appId ??= sub.appId
    } catch (caught) {
      if (!(caught instanceof GraphError)) throw caught
      outcome = failure(caught, version)
    }
    if (item.name !== undefined) named.set(item.name, outcome)
    const omitted =
      outcome.ok &&
      (item.omit === true || (item.omit === undefined && item.name !== undefined && referenced.has(item.name)))
    if (omitted) answers.push(null)
    else answers.push(withHeaders ? outcome.answer : { code: outcome.answer.code, body: outcome.answer.body })
  }
  return { kind: 'json', body: answers }
}
