import { type BatchItem, invalidBatch, parseBatch } from '../batch-parse.js'
import { referencedNames, substituteReferences } from '../batch-references.js'
import type { GraphRequest, GraphResult, Services } from '../context.js'
import { GraphError, missingParam, unsupportedMethod } from '../graph-errors.js'
import { graphSegments, parseGraphPath } from '../graph-path.js'
import { newTraceId } from '../tokens.js'

/** One answer of a batch: `null` when omitted. */
export type BatchAnswer = { code: number; headers?: Array<{ name: string; value: string }>; body: string } | null

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
  if (req.inBatch) throw invalidBatch('A batch cannot contain another batch')
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
        if (earlier === undefined) throw invalidBatch(`No earlier request of this batch is named ${name}`)
        if (!earlier.ok) throw invalidBatch(`The request named ${name}, which this request depends on, failed`)
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
