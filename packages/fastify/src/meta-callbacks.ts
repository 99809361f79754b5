import type { DataDeletionOptions, SignedRequestPayload, Tokens, TokensOptions } from '@tokens/core'
import { checkDataDeletionOptions, toTokens } from '@tokens/core/adapter'
import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify'
import { handleFailure } from './send-token-error.js'

/** Meta's callbacks are tiny; a larger body is refused by Fastify (413) before it is buffered. */
const DEFAULT_BODY_LIMIT = 64 * 1024
const FORM = 'application/x-www-form-urlencoded'

/**
 * Options of the {@link metaCallbacks} plugin: which routes to add, and what they do. At least one of
 * `deauthorize` and `dataDeletion` is given.
 *
 * @example
 * ```ts
 * const options: MetaCallbacksOptions = {
 *   deauthorize: { path: '/meta/deauthorize' },
 *   dataDeletion: {
 *     path: '/meta/data-deletion',
 *     statusUrl: 'https://example.com/deletion',
 *     onDelete: async (userId) => {
 *       // delete what the app keeps about userId
 *     },
 *   },
 * }
 * ```
 */
export interface MetaCallbacksOptions {
  /** The Deauthorize Callback URL's route. @default none */
  deauthorize?: {
    /** The route's path. */
    path: string
    /** Runs after the core revoked the user's tokens (end sessions, flag the account…). @default none */
    onDeauthorize?: (payload: SignedRequestPayload) => void | Promise<void>
  }
  /** The Data Deletion Request Callback URL's route. @default none */
  dataDeletion?: DataDeletionOptions & {
    /** The route's path. */
    path: string
  }
  /** The core that checks the `signed_request` and revokes the user. @default `app.tokens`, from the `tokens` plugin */
  tokens?: Tokens | TokensOptions
  /** The largest form body the routes read, in bytes. @default 65536 */
  bodyLimit?: number
}

/** The form's fields; a field sent twice is a list (the core then refuses a repeated `signed_request`). */
function formParser(_request: FastifyRequest, body: string, done: (error: Error | null, body?: unknown) => void) {
  const fields: Record<string, string | string[]> = Object.create(null)
  for (const [name, value] of new URLSearchParams(body)) {
    const known = fields[name]
    fields[name] = known === undefined ? value : [known, value].flat()
  }
  done(null, fields)
}

/** The `signed_request` field of the parsed form body; `undefined` when absent (the core refuses it). */
function signedRequestOf(request: FastifyRequest): unknown {
  const body: unknown = request.body
  if (typeof body !== 'object' || body === null || !Object.hasOwn(body, 'signed_request')) return undefined
  return (body as Record<string, unknown>).signed_request
}

function addRoutes(app: FastifyInstance, options: MetaCallbacksOptions): void {
  const { deauthorize, dataDeletion } = options
  if (deauthorize === undefined && dataDeletion === undefined) {
    throw new TypeError('metaCallbacks: pass `deauthorize`, `dataDeletion` or both')
  }
  if (dataDeletion !== undefined) checkDataDeletionOptions(dataDeletion, 'metaCallbacks')
  const fixed = options.tokens === undefined ? undefined : toTokens(options.tokens, 'metaCallbacks')
  const core = fixed ?? (app.hasDecorator('tokens') ? app.tokens : undefined)
  if (core === undefined) {
    throw new TypeError('metaCallbacks: register the tokens plugin before it, or pass the `tokens` option')
  }
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT
  // This plugin is encapsulated: its form parser applies to its own routes only.
  if (app.hasContentTypeParser(FORM)) app.removeContentTypeParser(FORM)
  app.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit }, formParser)

  const handle =
    (act: (signedRequest: unknown) => Promise<unknown>) => (request: FastifyRequest, reply: FastifyReply) => {
      act(signedRequestOf(request)).then(
        (body) => reply.code(200).send(body),
        (error: unknown) => handleFailure(error, request, reply, (thrown) => reply.send(thrown), core.realm),
      )
    }

  if (deauthorize !== undefined) {
    app.post(
      deauthorize.path,
      { bodyLimit },
      handle(async (signedRequest) => {
        const payload = await core.deauthorize(signedRequest)
        await deauthorize.onDeauthorize?.(payload)
        return { success: true }
      }),
    )
  }
  if (dataDeletion !== undefined) {
    const { statusUrl, onDelete } = dataDeletion
    app.post(
      dataDeletion.path,
      { bodyLimit },
      handle((signedRequest) => core.dataDeletion(signedRequest, { statusUrl, onDelete })),
    )
  }
}

const register: FastifyPluginCallback<MetaCallbacksOptions> = (app, options, done) => {
  try {
    addRoutes(app, options)
  } catch (error) {
    done(error as Error)
    return
  }
  done()
}

/**
 * Meta's Deauthorize and Data Deletion Request callbacks as Fastify routes. Fastify parses the
 * `application/x-www-form-urlencoded` body Meta posts (within `bodyLimit`); the core verifies the
 * `signed_request` (signature, age, replay), runs `onDelete` for a deletion and revokes every cached and
 * stored token of the user; the routes answer `{ success: true }` and `{ url, confirmation_code }`. A
 * forged, stale or replayed request is answered 400 `invalid_request`, and nothing runs.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify'
 * import { metaCallbacks, tokens } from '@tokens/fastify'
 *
 * const app = Fastify()
 * await app.register(tokens, { appId: '1234', appSecret: 'app-secret-value' })
 * await app.register(metaCallbacks, {
 *   deauthorize: { path: '/meta/deauthorize' },
 *   dataDeletion: {
 *     path: '/meta/data-deletion',
 *     statusUrl: 'https://example.com/deletion',
 *     onDelete: async (userId) => {
 *       // delete what the app keeps about userId
 *     },
 *   },
 * })
 * ```
 */
export const metaCallbacks: FastifyPluginCallback<MetaCallbacksOptions> = register
