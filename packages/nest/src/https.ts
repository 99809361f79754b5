import type { RequestTransport } from '@tokens/core/adapter'

/** The fields of an Express or Fastify request (or a plain Node one) that tell its transport. */
interface TransportFields {
  /** Express and Fastify: `'https'` or `'http'`, honouring `trust proxy` / `trustProxy`. */
  protocol?: unknown
  /** Node's `IncomingMessage`. */
  socket?: { encrypted?: unknown } | null
  /** Fastify's wrapped `IncomingMessage`. */
  raw?: { socket?: { encrypted?: unknown } | null } | null
}

/**
 * The platform's facts about how a request arrived, for the core's HTTPS policy: its protocol (proxies
 * trusted as configured on the platform), else whether its socket is TLS; nothing for an object that
 * is not an HTTP request (a custom `getRequest`), which the policy then leaves alone.
 */
export function transportOf(request: object): RequestTransport {
  const fields = request as TransportFields
  if (typeof fields.protocol === 'string') return { protocol: fields.protocol }
  const socket = fields.socket ?? fields.raw?.socket
  if (typeof socket === 'object' && socket !== null) return { encrypted: socket.encrypted === true }
  return {}
}
