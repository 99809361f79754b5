import { isTokenError, type TokenError } from '@tokens/core'
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'

/**
 * Answers a rejection exactly as the core describes it, byte for byte what `@tokens/express` sends:
 * status, `WWW-Authenticate` (or `Retry-After`), `Cache-Control: no-store` and the JSON body. This is
 * the default rendering; call it from your own `setErrorHandler` to fall back to it. The challenge's
 * realm is `realm`, by default the core's (`realm` option) of the request (`request.tokens`).
 *
 * @example
 * ```ts
 * import Fastify from 'fastify'
 * import { isTokenError } from '@tokens/core'
 * import { sendTokenError } from '@tokens/fastify'
 *
 * const app = Fastify()
 * app.setErrorHandler((error, request, reply) => {
 *   if (isTokenError(error)) {
 *     request.log.warn({ code: error.code }, 'token refused')
 *     return sendTokenError(reply, error)
 *   }
 *   return reply.send(error)
 * })
 * ```
 */
export function sendTokenError(
  reply: FastifyReply,
  error: TokenError,
  realm: string | undefined = reply.request.tokens?.realm,
): FastifyReply {
  const { status, headers, body } = error.toResponse(realm)
  return reply.code(status).headers(headers).type('application/json; charset=utf-8').send(JSON.stringify(body))
}

/** Whether the route's instance answers errors with Fastify's default handler (no `setErrorHandler`). */
function defaultHandling(request: FastifyRequest): boolean {
  return request.server.errorHandler.name === 'defaultErrorHandler'
}

/**
 * Routes a failure of a hook. With an error handler of the app's (`setErrorHandler`), every error goes
 * to it, a `TokenError` carrying its `status` and `headers`. Without one, a `TokenError` is rendered by
 * {@link sendTokenError} (a `misconfigured` one is also logged through `request.log`: it is the server's
 * to fix), and anything else goes to Fastify's error handling.
 */
export function handleFailure(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  done: HookHandlerDoneFunction,
  realm?: string,
): void {
  if (!isTokenError(error) || !defaultHandling(request)) {
    done(error as Error)
    return
  }
  if (error.code === 'misconfigured') request.log.error({ code: error.code }, error.message)
  sendTokenError(reply, error, realm)
}
