import type { Clock } from './clock.js'
import type { Directory } from './state.js'
import type { TokenStore } from './token-store.js'
import type { UsageMeter } from './usage.js'

/** What a Graph route sees of the request. */
export interface GraphRequest {
  method: string
  /** Path without the version prefix and trailing slash, e.g. `/me/accounts`. */
  path: string
  segments: string[]
  /**
   * The version serving a versioned call (`v25.0` for `/v25.0/...`; the oldest available one for a
   * retired version), `undefined` for unversioned calls.
   */
  version: string | undefined
  /** Query and body parameters. */
  params: URLSearchParams
  /** The token of `Authorization: OAuth|Bearer`, when sent that way. */
  headerToken: string | undefined
  /** Scheme and host the client called (from its `Host`), e.g. `http://127.0.0.1:4010`: paging links use it. */
  origin: string
  /** Set on the requests of a batch (a batch cannot nest). */
  inBatch?: boolean
  /** Set by a route once the call is attributable to an app (adds `X-App-Usage`). */
  appId?: string
  /** Set when a Page token makes the call (adds `X-Business-Use-Case-Usage` for that Page). */
  pageId?: string
}

/** The emulator's state and services, shared by the routes. */
export interface Services {
  directory: Directory
  tokens: TokenStore
  clock: Clock
  usage: UsageMeter
  /** The per-Page business use case budget (`pages`). */
  pageUsage: UsageMeter
  /** The emulator's base URL, e.g. `http://127.0.0.1:4010`. */
  baseUrl(): string
  /** Counts a Graph request served on `path` (unversioned), for `requestCount()`. */
  countRequest(path: string): void
  /** The default Graph version. */
  graphVersion: string
  /** The user removes the app: invalidate tokens, drop grants, notify the deauthorize callback. */
  removeApp(userId: string, appId: string): void
}

/** What a route answers. */
export type GraphResult =
  | { kind: 'json'; status?: number; body: unknown }
  | { kind: 'html'; status: number; html: string }
  | { kind: 'redirect'; location: string; contentType?: string }

/** A JSON 200 answer. */
export function json(body: unknown, status?: number): GraphResult {
  return status === undefined ? { kind: 'json', body } : { kind: 'json', body, status }
}
