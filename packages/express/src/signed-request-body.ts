import type { Request } from 'express'

/** Meta's callbacks are tiny; anything larger is cut here and refused by the core as too long or forged. */
const MAX_BODY_BYTES = 64 * 1024

function fromForm(text: string): string | undefined {
  return new URLSearchParams(text).get('signed_request') ?? undefined
}

function readBody(req: Request): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const done = (error?: Error) => {
      req.off('data', onData).off('end', onEnd).off('error', done)
      if (error) reject(error)
      else resolve(Buffer.concat(chunks).toString('utf8'))
    }
    const onData = (chunk: Buffer | string) => {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
      chunks.push(buffer)
      size += buffer.length
      if (size >= MAX_BODY_BYTES) done()
    }
    const onEnd = () => done()
    req.on('data', onData).on('end', onEnd).on('error', done)
  })
}

/**
 * The `signed_request` form field of a callback: from `req.body` when a body parser ran, otherwise
 * read and parsed here (`application/x-www-form-urlencoded`, as Meta posts it). `undefined` when
 * absent; the core then refuses it.
 */
export async function signedRequestOf(req: Request): Promise<unknown> {
  const body: unknown = req.body
  if (typeof body === 'object' && body !== null && !Buffer.isBuffer(body) && Object.hasOwn(body, 'signed_request')) {
    return (body as Record<string, unknown>).signed_request
  }
  if (typeof body === 'string') return fromForm(body)
  if (Buffer.isBuffer(body)) return fromForm(body.toString('utf8'))
  if (req.readableEnded || !req.readable) return undefined
  return fromForm(await readBody(req))
}
