/**
 * What a framework knows of how a request arrived: the adapter reads these facts, the core decides.
 * Fields the framework cannot tell stay `undefined`.
 *
 * @example
 * ```ts
 * import type { IncomingMessage } from 'node:http'
 * import type { TLSSocket } from 'node:tls'
 * import { HttpsPolicy, type RequestTransport } from '@tokens/core/adapter'
 * function transportOf(request: IncomingMessage): RequestTransport {
 *   return { encrypted: (request.socket as TLSSocket).encrypted === true } // plain Node knows no protocol
 * }
 * const policy = new HttpsPolicy()
 * const secure = policy.isSecure(HttpsPolicy.production(), () => transportOf(req))
 * ```
 */
export interface RequestTransport {
  /**
   * The protocol the framework reports, with its proxy settings applied (Express `req.protocol` under
   * `trust proxy`, Fastify `request.protocol` under `trustProxy`): `'https'` or `'http'`.
   */
  protocol?: string | undefined
  /** Whether the connection itself is TLS (Node's `socket.encrypted`), when no protocol is known. */
  encrypted?: boolean | undefined
}

/**
 * Meta requires access tokens to travel over HTTPS. In production (Express's `env`, else `NODE_ENV`),
 * a request that came over plain HTTP is not secure enough to carry one, unless the adapter's
 * `allowInsecure` says otherwise; outside production every request is. One policy for every adapter.
 *
 * @example
 * ```ts
 * import { HttpsPolicy } from '@tokens/core/adapter'
 * const policy = new HttpsPolicy({ allowInsecure: false })
 * policy.isSecure(true, { protocol: 'http' }) // false: plain HTTP in production
 * policy.isSecure(false, { protocol: 'http' }) // true: not in production
 * ```
 */
export class HttpsPolicy {
  readonly #allowInsecure: boolean

  constructor(options: { allowInsecure?: boolean | undefined } = {}) {
    this.#allowInsecure = options.allowInsecure === true
  }

  /** Whether the app runs in production: the framework's own setting when it has one, else `NODE_ENV`. */
  static production(env: unknown = process.env.NODE_ENV): boolean {
    return env === 'production'
  }

  /**
   * Whether a request may carry a token. `transport` is a value, or a function of the request read
   * only when it matters (in production, without `allowInsecure`): on the hot path, reading Express's
   * `req.protocol` evaluates `trust proxy`. A request whose transport cannot be told (a GraphQL or RPC
   * context) is left alone.
   */
  isSecure(production: boolean, transport: RequestTransport | (() => RequestTransport)): boolean {
    if (!production || this.#allowInsecure) return true
    const { protocol, encrypted } = typeof transport === 'function' ? transport() : transport
    if (protocol !== undefined) return protocol === 'https'
    return encrypted ?? true
  }
}
