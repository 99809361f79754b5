import type { Tokens, TokensOptions, TokenType } from '@tokens/core'
import { authenticateRequest, HttpsPolicy, isTokens, RouteRequirement, toTokens } from '@tokens/core/adapter'
import type {
  FastifyInstance,
  FastifyPluginCallback,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
} from 'fastify'
import fp from 'fastify-plugin'
import { requireTokenOf } from './require-token.js'
import { handleFailure } from './send-token-error.js'

/**
 * The adapter's own options, beside the core's.
 *
 * @example
 * ```ts
 * const options: FastifyAdapterOptions = { allowInsecure: process.env.LOCAL_DEV === '1' }
 * ```
 */
export interface FastifyAdapterOptions {
  /**
   * Accept tokens over plain HTTP even when `NODE_ENV` is `production`. Behind a TLS-terminating
   * proxy, set Fastify's `trustProxy` instead: `request.protocol` then reads `X-Forwarded-Proto`.
   * @default false
   */
  allowInsecure?: boolean
  /**
   * The hook that verifies the token. `'onRequest'` runs before the body is parsed, which is enough
   * for the `Authorization` header, the query string and cookies; a token in a form body
   * (`tokenSources: { body: true }`) needs `'preValidation'`, after Fastify parsed the body.
   * @default 'preValidation' when the core reads `tokenSources.body` (built from these options or shared), else 'onRequest'
   */
  hook?: 'onRequest' | 'preValidation'
  /** The core to use, shared with other adapters, instead of building one from the options. @default built from the options */
  tokens?: Tokens
}

/**
 * Options of the {@link tokens} plugin: the core's options (`appId`, `appSecret`, `graphUrl`,
 * `tokenSources`, `cache`, …) plus the adapter's; or `{ tokens: core }` to share a core.
 *
 * @example
 * ```ts
 * const options: TokensPluginOptions = {
 *   appId: process.env.FB_APP_ID!,
 *   appSecret: process.env.FB_APP_SECRET!,
 *   tokenSources: { header: true },
 * }
 * ```
 */
export type TokensPluginOptions = (TokensOptions & FastifyAdapterOptions) | (FastifyAdapterOptions & { tokens: Tokens })

const strict = new HttpsPolicy()
const lenient = new HttpsPolicy({ allowInsecure: true })

function coreOf(options: TokensPluginOptions): Tokens {
  if (isTokens(options.tokens)) return options.tokens
  if (options.tokens !== undefined)
    throw new TypeError('tokens plugin: `tokens` must be a Tokens instance from createTokens()')
  return toTokens(options as TokensOptions, 'tokens plugin')
}

function hookOf(options: TokensPluginOptions, core: Tokens): 'onRequest' | 'preValidation' {
  if (options.hook !== undefined) {
    if (options.hook !== 'onRequest' && options.hook !== 'preValidation') {
      throw new TypeError("tokens plugin: `hook` must be 'onRequest' or 'preValidation'")
    }
    return options.hook
  }
  return core.tokenSources.body === true ? 'preValidation' : 'onRequest'
}

function setUp(app: FastifyInstance, options: TokensPluginOptions): void {
  const core = coreOf(options)
  const policy = options.allowInsecure === true ? lenient : strict
  const production = HttpsPolicy.production()
  const optional = new RouteRequirement<TokenType>({}, { required: false, caller: 'tokens plugin' })
  app.decorate('tokens', core)
  app.decorate('requireToken', requireTokenOf(core))
  app.decorateRequest('tokens', null as unknown as Tokens)
  app.decorateRequest('token', undefined)
  app.addHook(hookOf(options, core), (request: FastifyRequest, reply: FastifyReply, next: HookHandlerDoneFunction) => {
    request.tokens = core
    const secure = policy.isSecure(production, () => ({ protocol: request.protocol }))
    authenticateRequest(core, request, optional.options(secure), (error, token) => {
      if (error) {
        handleFailure(error, request, reply, next)
        return
      }
      request.token = token
      next()
    })
  })
}

const register: FastifyPluginCallback<TokensPluginOptions> = (app, options, done) => {
  try {
    setUp(app, options)
  } catch (error) {
    done(error as Error)
    return
  }
  done()
}

/**
 * The Fastify plugin: verifies the request's token when there is one (in an `onRequest` hook,
 * synchronously when the token is cached) and sets `request.token` (`AccessToken | undefined`) and
 * `request.tokens` (the core); decorates the instance with `app.tokens` and `app.requireToken()`.
 * Wrapped with `fastify-plugin`, so it applies to the instance it is registered on and its children.
 * A bad token, a token sent twice or over plain HTTP in production is answered with the core's status,
 * headers and body, or handed to the app's `setErrorHandler` when it has one. The core is built once,
 * here.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify'
 * import { tokens } from '@tokens/fastify'
 *
 * const app = Fastify({ logger: true })
 * await app.register(tokens, { appId: process.env.FB_APP_ID!, appSecret: process.env.FB_APP_SECRET! })
 * app.get('/me', async (request) => ({ signedIn: request.token !== undefined }))
 * app.get('/page', { preHandler: app.requireToken('page') }, async (request) => ({ pageId: request.token.pageId }))
 * await app.listen({ port: 3000 })
 * ```
 */
export const tokens = fp(register, { fastify: '4.x || 5.x', name: '@tokens/fastify' })
