import type { FastifyRequest } from 'fastify'

/** `access_token=…` in a query string, in any spelling of the name a parser would accept. */
const QUERY_TOKEN = /((?:^|[?&;])access(?:_|%5[Ff])token(?:%5[Bb]%5[Dd]|\[[^\]=&]*\])?=)[^&;#]*/g

/** `url` with the value of every `access_token` query parameter replaced by `[redacted]`. */
export function redactUrl(url: string): string {
  return url.replace(QUERY_TOKEN, '$1[redacted]')
}

/**
 * Fastify logger serializers that keep tokens out of the request log: Fastify's own `req` serializer,
 * with `access_token` query parameters redacted from the URL (the core reads them when
 * `tokenSources.query` is on). Pass them when you create the app; tokens themselves (`request.token`)
 * are already logged in a redacted form.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify'
 * import { logSerializers } from '@tokens/fastify'
 *
 * const app = Fastify({ logger: { level: 'info', serializers: logSerializers } })
 * ```
 */
export const logSerializers = {
  req(request: FastifyRequest) {
    return {
      method: request.method,
      url: redactUrl(request.url),
      version: [request.headers['accept-version']].flat()[0],
      host: request.host,
      remoteAddress: request.ip,
      remotePort: request.socket?.remotePort,
    }
  },
}
