/** The fields of an Express or Fastify request (or a plain Node one) that tell its transport. */
interface TransportFields {
  /** Express: `https`, or `X-Forwarded-Proto` when `trust proxy` trusts the sender. */
  secure?: unknown
  /** Fastify: `'https'` or `'http'`, honouring `trustProxy`. */
  protocol?: unknown
  /** Node's `IncomingMessage`. */
  socket?: { encrypted?: unknown } | null
  /** Fastify's wrapped `IncomingMessage`. */
  raw?: { socket?: { encrypted?: unknown } | null } | null
}

/**
 * Whether a request came over HTTPS, as its platform sees it (proxies trusted as configured there);
 * `undefined` for an object that is not an HTTP request (a custom `getRequest`), which the HTTPS
 * check then leaves alone.
 */
export function cameOverHttps(request: object): boolean | undefined {
  const fields = request as TransportFields
  if (typeof fields.secure === 'boolean') return fields.secure
  if (typeof fields.protocol === 'string') return fields.protocol === 'https'
  const socket = fields.socket ?? fields.raw?.socket
  if (typeof socket === 'object' && socket !== null) return socket.encrypted === true
  return undefined
}
