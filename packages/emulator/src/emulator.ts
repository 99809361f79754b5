import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { handleAdmin } from './admin.js'
import { Clock } from './clock.js'
import type { Services } from './context.js'
import { type DataDeletionAnswer, postSignedRequest, requestDataDeletion } from './deauthorize.js'
import { FaultInjector } from './faults.js'
import { JWKS_PATH, LimitedLogin, type LimitedLoginTokenOptions, UNINSTALL_PATH } from './limited-login.js'
import { loopbackAddress } from './loopback.js'
import { createHandler } from './server.js'
import { signSignedRequest } from './signed-request.js'
import { Directory } from './state.js'
import { TokenStore } from './token-store.js'
import type {
  AppInfo,
  AppOptions,
  EmulatorOptions,
  FaultOptions,
  InvalidationReason,
  NodeInfo,
  PageOptions,
  PageTokenOptions,
  PageUpdate,
  SystemUserTokenOptions,
  UsagePreset,
  UserOptions,
  UserProfile,
  UserTokenOptions,
} from './types.js'
import { UsageMeter } from './usage.js'
import { checkDefaultVersion, DEFAULT_GRAPH_VERSION } from './versions.js'

/**
 * A running Graph API emulator. Every method acts immediately on the in-memory state; caller mistakes
 * (an unknown app id…) throw `TypeError`.
 *
 * @example
 * ```ts
 * const emu: Emulator = await startEmulator()
 * const app = emu.createApp({ name: 'Demo' })
 * const user = emu.createUser({ name: 'Ada' })
 * const token = emu.issueUserToken({ appId: app.id, userId: user.id, lifetime: 'long' })
 * await emu.close()
 * ```
 */
export interface Emulator {
  /** Base URL, e.g. `http://127.0.0.1:4010`: pass it as the core's `graphUrl`. */
  readonly url: string
  /** The default Graph version (`facebook-api-version` of unversioned calls). */
  readonly graphVersion: string
  createApp(options?: AppOptions): AppInfo
  /** A user with a profile (see {@link UserProfile}); `developerOf` gives them a developer role on apps. */
  createUser(options?: UserOptions): NodeInfo
  /** Changes a user's name or profile fields; fields left `undefined` stay as they are. */
  updateUser(userId: string, profile: UserProfile): NodeInfo
  createPage(options: PageOptions): NodeInfo
  /** Changes a Page's name, category or fields (`about`, `fanCount`, `username`, `link`, `pictureUrl`). */
  updatePage(pageId: string, update: PageUpdate): NodeInfo
  /** A user token; its scopes are recorded as granted (see `/{user-id}/permissions`). */
  issueUserToken(options: UserTokenOptions): string
  /** A Page token of a user with a role on the Page; `lifetime: 'long'` never expires (`expires_at: 0`). */
  issuePageToken(options: PageTokenOptions): string
  issueSystemUserToken(options: SystemUserTokenOptions): string
  /** The app token `client_credentials` returns: `{app_id}|<opaque>`. */
  appToken(appId: string): string
  /**
   * An iOS Limited Login ID token (a JWT signed RS256 with the emulator's current key, `iss`
   * `https://www.facebook.com`, `aud` the app, `sub` the user, the user's profile claims), as the iOS
   * SDK's `AuthenticationToken` carries it. Its keys are served at `/.well-known/oauth/openid/jwks/`.
   *
   * @example
   * ```ts
   * const app = emu.createApp()
   * const user = emu.createUser({ name: 'Ada Lovelace', email: 'ada@example.com' })
   * const idToken = emu.issueLimitedLoginToken({ appId: app.id, userId: user.id, nonce: 'n-1', lifetime: 600 })
   * ```
   */
  issueLimitedLoginToken(options: LimitedLoginTokenOptions): string
  /**
   * Signs new Limited Login tokens with a new key, kept in the JWKS with the one it replaces (tokens
   * signed before still verify). Returns the new key's `kid`.
   *
   * @example
   * ```ts
   * const kid = emu.rotateLimitedLoginKey() // the core fetches the JWKS again when a token names it
   * ```
   */
  rotateLimitedLoginKey(): string
  /**
   * What `createTokens()` needs to act as `app` against this emulator, on its clock: spread it into
   * the core's options (tests move the clock with {@link Emulator.advanceTime}).
   *
   * @example
   * ```ts
   * import { createTokens } from '@tokens/core'
   * const emu = await startEmulator({ freezeClock: true })
   * const tokens = createTokens({ ...emu.coreOptions(emu.createApp()), retries: 0 })
   * ```
   */
  coreOptions(app: AppInfo): EmulatorCoreOptions
  /** Invalidates one token: subcodes 460, 466, 458 and 492. */
  invalidateToken(token: string, reason: InvalidationReason): void
  /** Moves the clock forward (or back); returns the new time in unix seconds. */
  advanceTime(seconds: number): number
  /** The emulator's clock in unix seconds. */
  now(): number
  /** Sets (or with `null` clears) fault injection. */
  setFaults(faults: FaultOptions | null): void
  /** Presets the app's `X-App-Usage` percentages for the current hour. */
  setUsage(appId: string, usage: UsagePreset): void
  /** Presets a Page's `X-Business-Use-Case-Usage` (`pages`) percentages for the current hour; 100 throttles with code 80001. */
  setPageUsage(pageId: string, usage: UsagePreset): void
  /** Graph requests served on `path` (without version prefix), or in total. Admin calls are not counted. */
  requestCount(path?: string): number
  /** Counts per path, e.g. `{ '/debug_token': 2 }`. */
  requestCounts(): Record<string, number>
  resetCounts(): void
  /** A valid `signed_request` for the app (adds `algorithm` and `issued_at` when missing). */
  signedRequest(appId: string, payload: Record<string, unknown>): string
  /** The user removes the app: tokens → subcode 458, grants dropped, deauthorize callback POSTed if set. */
  removeApp(userId: string, appId: string): void
  /**
   * The user asks for their data to be deleted: POSTs a data deletion `signed_request` (with `expires`)
   * to the app's `dataDeletionCallbackUrl` and resolves with its answer, checked against what Meta requires.
   */
  requestDataDeletion(userId: string, appId: string): Promise<DataDeletionAnswer>
  /** A JSON-friendly summary of apps, users, Pages, tokens, usage and faults. */
  state(): Record<string, unknown>
  /** Stops the server, closing hung requests; waits for pending deauthorize callbacks. */
  close(): Promise<void>
}

/**
 * The core options for one app of an emulator ({@link Emulator.coreOptions}): its credentials, the
 * emulator's URL and its clock, in ms.
 *
 * @example
 * ```ts
 * const emu = await startEmulator()
 * const options: EmulatorCoreOptions = emu.coreOptions(emu.createApp())
 * options.clock() // the emulator's time, in ms
 * ```
 */
export interface EmulatorCoreOptions {
  appId: string
  appSecret: string
  clientToken: string
  graphUrl: string
  clock: () => number
  /** The emulator's JWKS and uninstall endpoints, for Limited Login tokens. */
  limitedLogin: { jwksUrl: string; uninstallUrl: string }
}

function hostUrl(host: string, port: number): string {
  return host.includes(':') ? `http://[${host}]:${port}` : `http://${host}:${port}`
}

/**
 * Starts an emulator on loopback and resolves once it listens.
 *
 * @example
 * ```ts
 * import { startEmulator } from '@tokens/emulator'
 *
 * const emu = await startEmulator({ port: 0, now: 1_700_000_000 })
 * const app = emu.createApp()
 * const res = await fetch(`${emu.url}/v25.0/oauth/access_token?client_id=${app.id}&client_secret=${app.secret}&grant_type=client_credentials`)
 * console.log(await res.json()) // { access_token: '1…|…', token_type: 'bearer' }
 * await emu.close()
 * ```
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const given = options.host === undefined || options.host === 'localhost' ? '127.0.0.1' : options.host
  // Every address the name resolves to must be loopback, and the server binds the address checked.
  const host = options.allowNonLoopback ? given : await loopbackAddress(given)
  const graphVersion = checkDefaultVersion(options.graphVersion ?? DEFAULT_GRAPH_VERSION)
  const clock = new Clock(options.now ?? Math.floor(Date.now() / 1000), options.freezeClock ?? false)
  const directory = new Directory()
  const tokens = new TokenStore(directory, clock)
  const usage = new UsageMeter(options.callBudgetPerHour ?? 200, clock)
  const pageUsage = new UsageMeter(options.callBudgetPerHour ?? 200, clock)
  const faults = new FaultInjector(options.seed ?? 1)
  const limitedLogin = new LimitedLogin(clock, directory)
  const counts = new Map<string, number>()
  const hung = new Set<ServerResponse>()
  const pending = new Set<Promise<void>>()
  let url = ''
  let port = 0
  let closed = false

  const signedRequest = (appId: string, payload: Record<string, unknown>): string => {
    const app = directory.app(appId)
    // Keys in Meta's order (user_id…, algorithm, issued_at): the signature covers the exact JSON text.
    const { algorithm, issued_at, ...rest } = payload
    const full = { ...rest, algorithm: algorithm ?? 'HMAC-SHA256', issued_at: issued_at ?? clock.now() }
    return signSignedRequest(app.secret, full)
  }

  const removeApp = (userId: string, appId: string): void => {
    const app = directory.app(appId)
    directory.user(userId)
    tokens.removeApp(userId, appId)
    directory.revokeAll(userId, appId)
    if (app.deauthorizeCallbackUrl) {
      postSignedRequest(app.deauthorizeCallbackUrl, signedRequest(appId, { user_id: userId }), pending)
    }
  }

  const services: Services = {
    directory,
    tokens,
    clock,
    usage,
    pageUsage,
    baseUrl: () => url,
    countRequest: (path) => counts.set(path, (counts.get(path) ?? 0) + 1),
    graphVersion,
    removeApp,
  }

  const emulator: Emulator = {
    get url() {
      return url
    },
    graphVersion,
    createApp: (o) => {
      const { id, secret, name, clientToken } = directory.createApp(o)
      return { id, secret, name, clientToken }
    },
    createUser: (o) => {
      const { id, name } = directory.createUser(o)
      return { id, name }
    },
    updateUser: (userId, profile) => {
      const { id, name } = directory.updateUser(userId, profile)
      return { id, name }
    },
    createPage: (o) => {
      const { id, name } = directory.createPage(o)
      return { id, name }
    },
    updatePage: (pageId, update) => {
      const { id, name } = directory.updatePage(pageId, update)
      return { id, name }
    },
    issueUserToken: (o) => tokens.issueUser(o.appId, o.userId, o.scopes, o.lifetime).value,
    issuePageToken: (o) => tokens.issuePage(o.appId, o.userId, o.pageId, o.lifetime).value,
    issueSystemUserToken: (o) => tokens.issueSystemUser(o.appId, o.userId, o.scopes, o.expiresIn).value,
    appToken: (appId) => directory.app(appId).issuedAppToken,
    issueLimitedLoginToken: (o) => limitedLogin.issue(o),
    rotateLimitedLoginKey: () => limitedLogin.rotate(),
    coreOptions: (app) => ({
      appId: app.id,
      appSecret: app.secret,
      clientToken: app.clientToken,
      graphUrl: url,
      clock: () => clock.now() * 1000,
      limitedLogin: { jwksUrl: `${url}${JWKS_PATH}/`, uninstallUrl: `${url}${UNINSTALL_PATH}/` },
    }),
    invalidateToken: (token, reason) => tokens.invalidate(token, reason),
    advanceTime: (seconds) => clock.advance(seconds),
    now: () => clock.now(),
    setFaults: (f) => faults.set(f),
    setUsage: (appId, preset) => {
      directory.app(appId)
      usage.preset(appId, preset)
    },
    setPageUsage: (pageId, preset) => {
      directory.page(pageId)
      pageUsage.preset(pageId, preset)
    },
    requestCount: (path) => {
      if (path === undefined) return [...counts.values()].reduce((a, b) => a + b, 0)
      const normalized = (path.startsWith('/') ? path : `/${path}`).replace(/^\/v\d+\.\d+(?=\/)/, '')
      return counts.get(normalized.length > 1 ? normalized.replace(/\/+$/, '') : normalized) ?? 0
    },
    requestCounts: () => Object.fromEntries(counts),
    resetCounts: () => counts.clear(),
    signedRequest,
    removeApp,
    requestDataDeletion: async (userId, appId) => {
      const app = directory.app(appId)
      directory.user(userId)
      if (!app.dataDeletionCallbackUrl) throw new TypeError(`app ${appId} has no dataDeletionCallbackUrl`)
      const issuedAt = clock.now()
      const request = signedRequest(appId, { user_id: userId, issued_at: issuedAt, expires: issuedAt + 3600 })
      return requestDataDeletion(app.dataDeletionCallbackUrl, request)
    },
    state: () => ({
      url,
      now: clock.now(),
      graphVersion,
      apps: [...directory.apps.values()].map(({ issuedAppToken: _token, ...app }) => app),
      users: [...directory.users.values()],
      pages: [...directory.pages.values()].map((p) => ({
        id: p.id,
        name: p.name,
        category: p.category,
        ...p.fields,
        admins: [...p.admins],
        posts: p.feed.length,
      })),
      tokens: {
        issued: tokens.records.size,
        valid: [...tokens.records.values()].filter((r) => tokens.problem(r) === undefined).length,
      },
      usage: usage.snapshot(),
      faults: faults.current(),
      requests: Object.fromEntries(counts),
    }),
    close: async () => {
      if (closed) return
      closed = true
      for (const res of hung) res.destroy()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      await Promise.all([...pending])
    },
  }

  const server = createServer(
    createHandler({
      services,
      faults,
      hung,
      maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
      port: () => port,
      isClosed: () => closed,
      limitedLogin,
      admin: (method, path, query, body) => handleAdmin(emulator, method, path, query, body),
    }),
  )
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  port = (server.address() as AddressInfo).port
  url = hostUrl(host, port)
  return emulator
}
