/**
 * `@tokens/core/adapter`: what every framework adapter needs, decided once, in the core. An adapter
 * supplies framework facts (the request, its transport, the app's environment) and translates the
 * answers back; it never decides a status, never talks to Graph and never caches.
 */
export { authenticateRequest } from './adapter/authenticate-request.js'
export { HttpsPolicy, type RequestTransport } from './adapter/https-policy.js'
export { RouteRequirement } from './adapter/route-requirement.js'
export { toTokens } from './adapter/to-tokens.js'
export { checkTokenRequirement } from './requirement.js'
export { checkDataDeletionOptions } from './signed-request-callbacks.js'
export { isTokens } from './tokens.js'
