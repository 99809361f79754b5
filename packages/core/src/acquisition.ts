import { TokenError } from './errors.js'
import type { TokensEvent } from './events.js'
import { messageOf } from './events.js'
import { GraphApiError } from './graph-api-error.js'
import type { GraphClient } from './graph-client.js'
import type { ResolvedOptions } from './options.js'
import { asOutage } from './outage.js'
import type { StoredToken, StoredTokenKind, TokenStore } from './store.js'
import { storeKind, type Telemetry } from './telemetry.js'
import {
  type AccessToken,
  PageToken,
  type SystemUserToken,
  type TokenInfo,
  tokenFromInfo,
  type UserToken,
} from './token.js'

/** What acquisition needs from the core. */
export interface AcquisitionContext {
  options: ResolvedOptions
  graph: GraphClient
  store: TokenStore | undefined
  verify: (raw: string) => Promise<AccessToken>
  remember: (raw: string, info: TokenInfo) => Promise<void>
  emit: (event: TokensEvent) => void
  /** Spans of store operations, when OpenTelemetry is on. */
  telemetry: Telemetry | undefined
}

/**
 * Options of `pageTokens` and `pageToken`.
 *
 * @example
 * ```ts
 * import type { PageTokenOptions } from '@tokens/core'
 * const user = await tokens.verify(raw, { type: 'user' })
 * const options: PageTokenOptions = { refresh: true } // the user just gave the app another Page: ask Graph
 * const pages = await tokens.pageTokens(user, options)
 * ```
 */
export interface PageTokenOptions {
  /** Ask Graph even when the store has the tokens. @default false */
  refresh?: boolean
}

interface OAuthAnswer {
  access_token?: unknown
  expires_in?: unknown
}

interface AccountEntry {
  id?: unknown
  access_token?: unknown
  tasks?: unknown
}

/**
 * Runs a Graph step of an acquisition: outages become `graph_unavailable` (503), refused app
 * credentials `misconfigured` (500), not Graph's own status.
 */
async function step<T>(ctx: AcquisitionContext, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (error) {
    const mapped = asOutage(error, ctx.graph)
    if (mapped instanceof TokenError && mapped.code === 'misconfigured') {
      ctx.emit({ type: 'error', where: 'credentials', message: mapped.message })
    }
    throw mapped
  }
}

/**
 * Runs a call to the token store: any failure (a full disk, a read-only file, Redis down) is an
 * `error` event and a `store_unavailable` `TokenError` (503 with `Retry-After`), never the store's
 * own error reaching the app's client as a 500.
 */
export async function storeCall<T>(
  emit: (event: TokensEvent) => void,
  action: string,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call()
  } catch (error) {
    emit({ type: 'error', where: 'store', message: messageOf(error, `store ${action} failed`) })
    throw new TokenError('store_unavailable', 'The token store is unavailable', { cause: error })
  }
}

/** One operation of the token store, in a span when OpenTelemetry is on. */
function traced<T>(ctx: AcquisitionContext, store: TokenStore, operation: string, call: () => Promise<T>): Promise<T> {
  return ctx.telemetry === undefined ? call() : ctx.telemetry.store(operation, storeKind(store), call)
}

/**
 * An answer of Graph's that is not what Graph documents (no `access_token`, a token of another type):
 * Graph's fault, not the caller's, so never a `TypeError`. Like an unparseable `debug_token` answer, it
 * is a `graph_unavailable` (503), with a `GraphApiError` saying what was wrong as its cause.
 */
function unexpectedAnswer(what: string): TokenError {
  const cause = new GraphApiError(200, { message: `Graph API answered unexpectedly: ${what}` })
  return new TokenError('graph_unavailable', 'Graph API gave an unexpected answer', { cause })
}

function accessToken(answer: OAuthAnswer): string {
  if (typeof answer.access_token !== 'string' || answer.access_token === '') {
    throw unexpectedAnswer('/oauth/access_token without an access_token')
  }
  return answer.access_token
}

async function save(
  ctx: AcquisitionContext,
  kind: StoredTokenKind,
  token: UserToken | PageToken | SystemUserToken,
): Promise<void> {
  if (ctx.store === undefined) return
  const info = token.toInfo()
  const record: StoredToken = {
    kind,
    appId: token.appId,
    userId: token.userId ?? '',
    pageId: token.type === 'page' ? token.pageId : undefined,
    value: token.value,
    info,
    savedAt: ctx.options.clock(),
  }
  const store = ctx.store
  await storeCall(ctx.emit, 'write', () => traced(ctx, store, 'save', () => store.save(record)))
  ctx.emit({
    type: 'store_write',
    kind,
    appId: record.appId,
    ...(record.userId ? { userId: record.userId } : {}),
    ...(record.pageId ? { pageId: record.pageId } : {}),
  })
}

function fromStore(record: StoredToken): AccessToken {
  return tokenFromInfo(record.value, record.info)
}

/** Login code → short-lived user token, verified with `debug_token` to learn its user and scopes. */
export async function exchangeCode(
  ctx: AcquisitionContext,
  { code, redirectUri }: { code: string; redirectUri: string },
): Promise<UserToken> {
  if (typeof code !== 'string' || code === '') throw new TypeError("exchangeCode: 'code' is required")
  if (typeof redirectUri !== 'string' || redirectUri === '')
    throw new TypeError("exchangeCode: 'redirectUri' is required")
  const { appId, appSecret } = ctx.options
  const answer = await step(ctx, () =>
    ctx.graph.get<OAuthAnswer>('/oauth/access_token', {
      params: { client_id: appId, client_secret: appSecret, redirect_uri: redirectUri, code },
    }),
  )
  const token = await ctx.verify(accessToken(answer))
  if (token.type !== 'user') throw unexpectedAnswer(`a ${token.type} token for a login code`)
  return token
}

/**
 * Short-lived user token → long-lived one (about 60 days, as Graph says); a system user token →
 * a fresh one that expires in 60 days (`set_token_expires_in_60_days`). Saved in the store.
 */
export async function exchangeForLongLived<T extends UserToken | SystemUserToken>(
  ctx: AcquisitionContext,
  current: T,
): Promise<T> {
  const { appId, appSecret, clock } = ctx.options
  const systemUser = current.type === 'system_user'
  const answer = await step(ctx, () =>
    ctx.graph.get<OAuthAnswer>('/oauth/access_token', {
      params: {
        grant_type: 'fb_exchange_token',
        client_id: appId,
        client_secret: appSecret,
        fb_exchange_token: current.value,
        ...(systemUser && { set_token_expires_in_60_days: true }),
      },
    }),
  )
  const raw = accessToken(answer)
  const now = clock()
  let token: AccessToken
  let learned: TokenInfo | undefined
  if (typeof answer.expires_in === 'number' && answer.expires_in > 0) {
    learned = { ...current.toInfo(), issuedAt: now, expiresAt: now + answer.expires_in * 1000 }
    token = tokenFromInfo(raw, learned)
  } else {
    token = await ctx.verify(raw)
  }
  if (token.type !== current.type) {
    throw unexpectedAnswer(`a ${token.type} token in exchange for a ${current.type} token`)
  }
  const exchanged = token as T
  await save(ctx, exchanged.type, exchanged)
  // Cached as verified only once stored: a token the store refused is not remembered either.
  if (learned !== undefined) await ctx.remember(raw, learned)
  return exchanged
}

function pageInfo(userToken: UserToken, pageId: string, tasks: readonly string[] | undefined, now: number): TokenInfo {
  const user = userToken.toInfo()
  // Page tokens from a long-lived user token never expire; from a short-lived one they end with it.
  const expiresAt = userToken.lifetime === 'short' ? user.expiresAt : null
  return { ...user, type: 'page', pageId, tasks, issuedAt: now, expiresAt }
}

function tasksOf(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((t): t is string => typeof t === 'string') : undefined
}

/**
 * The user's own node (`GET /me`) with `fields`: the profile a login shows. Outages are
 * `graph_unavailable`, refused app credentials `misconfigured`; Graph's other refusals stay
 * `GraphApiError`s.
 */
export async function profile(
  ctx: AcquisitionContext,
  userToken: UserToken,
  fields: readonly string[] | undefined,
): Promise<Record<string, unknown>> {
  const params = fields === undefined || fields.length === 0 ? {} : { fields: fields.join(',') }
  const answer = await step(ctx, () => ctx.graph.get<unknown>('/me', { token: userToken, params }))
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) {
    throw unexpectedAnswer('/me without an object')
  }
  return answer as Record<string, unknown>
}

/** Every Page the user manages, with its Page token (paging followed); saved in the store. */
export async function pageTokens(
  ctx: AcquisitionContext,
  userToken: UserToken,
  options: PageTokenOptions = {},
): Promise<PageToken[]> {
  if (ctx.store && !options.refresh) {
    const store = ctx.store
    const stored = (
      await storeCall(ctx.emit, 'read', () =>
        traced(ctx, store, 'listPageTokens', () => store.listPageTokens(userToken.appId, userToken.userId)),
      )
    )
      .map(fromStore)
      .filter((t): t is PageToken => t.type === 'page')
    const now = ctx.options.clock()
    if (stored.length > 0 && stored.every((t) => stillGood(t, userToken, now))) return stored
  }
  const now = ctx.options.clock()
  const entries = await step(ctx, async () => {
    const all: AccountEntry[] = []
    const pages = ctx.graph.paginate<AccountEntry>('/me/accounts', {
      token: userToken,
      params: { fields: 'id,name,access_token,tasks', limit: 100 },
    })
    for await (const entry of pages) all.push(entry)
    return all
  })
  const out: PageToken[] = []
  for (const entry of entries) {
    if (typeof entry.id !== 'string' || typeof entry.access_token !== 'string') continue
    const token = new PageToken(entry.access_token, pageInfo(userToken, entry.id, tasksOf(entry.tasks), now))
    await save(ctx, 'page', token)
    out.push(token)
  }
  return out
}

/**
 * Whether a stored Page token can be handed out for `userToken`: not expired, and not shorter-lived
 * than one Graph would give now (a Page token lives as long as the user token it came from: after
 * a long-lived exchange, Page tokens of the short-lived token are replaced).
 */
function stillGood(page: PageToken, userToken: UserToken, now: number): boolean {
  const pageEnds = page.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY
  const userEnds = userToken.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY
  return pageEnds > now && pageEnds >= userEnds
}

/** The Page token of one Page the user has a role on; saved in the store. */
export async function pageToken(
  ctx: AcquisitionContext,
  userToken: UserToken,
  pageId: string,
  options: PageTokenOptions = {},
): Promise<PageToken> {
  if (typeof pageId !== 'string' || !/^\d{1,32}$/.test(pageId)) throw new TypeError('pageToken: pageId must be digits')
  if (ctx.store && !options.refresh) {
    const store = ctx.store
    const stored = await storeCall(ctx.emit, 'read', () =>
      traced(ctx, store, 'listPageTokens', () => store.listPageTokens(userToken.appId, userToken.userId)),
    )
    const hit = stored.find((record) => record.pageId === pageId)
    if (hit) {
      const token = fromStore(hit)
      if (token.type === 'page' && stillGood(token, userToken, ctx.options.clock())) return token
    }
  }
  const answer = await step(ctx, () =>
    ctx.graph.get<AccountEntry>(`/${pageId}`, { token: userToken, params: { fields: 'id,access_token' } }),
  )
  if (typeof answer.access_token !== 'string') throw unexpectedAnswer(`no access_token for Page ${pageId}`)
  const token = new PageToken(answer.access_token, pageInfo(userToken, pageId, undefined, ctx.options.clock()))
  await save(ctx, 'page', token)
  return token
}
