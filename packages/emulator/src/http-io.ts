import type { IncomingMessage, ServerResponse } from 'node:http'
import { GraphError } from './graph-errors.js'

/** The body was larger than `maxBodyBytes`. */
export class BodyTooLargeError extends Error {}

/** Reads the whole request body, refusing more than `max` bytes. */
export async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    const buffer = chunk as Buffer
    size += buffer.length
    if (size > max) throw new BodyTooLargeError(`body larger than ${max} bytes`)
    chunks.push(buffer)
  }
  return Buffer.concat(chunks)
}

function stringify(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/** Parses a form-encoded or JSON body into parameters, as Graph accepts both. */
export function parseBody(body: Buffer, contentType: string | undefined): URLSearchParams {
  if (body.length === 0) return new URLSearchParams()
  const text = body.toString('utf8')
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase()
  if (type === 'application/json') {
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      throw GraphError.oauth(100, '(#100) The request body could not be parsed as JSON')
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw GraphError.oauth(100, '(#100) The JSON request body must be an object')
    }
    const params = new URLSearchParams()
    for (const [key, value] of Object.entries(parsed)) {
      if (value !== undefined && value !== null) params.append(key, stringify(value))
    }
    return params
  }
  return new URLSearchParams(text)
}

/** Query parameters, then body parameters (a body value wins over a query value of the same name). */
export function mergeParams(query: URLSearchParams, body: URLSearchParams): URLSearchParams {
  const merged = new URLSearchParams()
  for (const [key, value] of query) if (!body.has(key)) merged.append(key, value)
  for (const [key, value] of body) merged.append(key, value)
  return merged
}

/** The token from `Authorization: OAuth <t>` or `Authorization: Bearer <t>`, if any. */
export function headerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization
  const match = header ? /^(?:OAuth|Bearer)\s+(\S+)\s*$/i.exec(header) : null
  return match?.[1]
}

/** Writes a JSON answer with Graph's content type. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=UTF-8',
    'content-length': String(Buffer.byteLength(text)),
  })
  res.end(text)
}

/** Writes an HTML page. */
export function sendHtml(res: ServerResponse, status: number, html: string, headers: Record<string, string>): void {
  res.writeHead(status, {
    ...headers,
    'content-type': 'text/html; charset=utf-8',
    'content-length': String(Buffer.byteLength(html)),
  })
  res.end(html)
}

/** Answers a 302 redirect. */
export function sendRedirect(res: ServerResponse, location: string, headers: Record<string, string>): void {
  res.writeHead(302, { ...headers, location, 'content-length': '0' })
  res.end()
}
