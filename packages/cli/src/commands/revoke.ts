import type { VerificationCache } from '@tokens/core'
import { coreFor, requireApp } from '../app-config.js'
import type { CommandContext } from '../context.js'
import { EXIT, type ExitCode } from '../exit-codes.js'
import { unavailable, usage } from '../failure.js'
import { openStore, type StoreBackend } from '../store-backend.js'
import { encryptionOf, type StoreOptions, shownUrl, storeSpec } from '../store-spec.js'

/** Options of `tokens revoke`. */
export interface RevokeOptions extends StoreOptions {
  cache?: string
}

/**
 * `tokens revoke <user-id>`: what the deauthorize callback does, through the core's `revokeUser`:
 * every stored token of the user (their token and the Page tokens obtained through it) deleted, and
 * their cached verifications dropped from a shared Redis cache, so that no instance accepts them.
 */
export async function revokeCommand(ctx: CommandContext, userId: string, options: RevokeOptions): Promise<ExitCode> {
  const { output, io } = ctx
  if (!/^\d{1,32}$/.test(userId)) throw usage(`'${userId}' is not a user id (digits, as Graph gives them)`)
  requireApp(ctx.config)
  const spec = storeSpec(options, io.env, output)
  const cacheUrl = cacheUrlOf(options.cache, spec)
  if (cacheUrl !== undefined) output.secret(decodeURIComponent(cacheUrl.password))
  if (spec === undefined && cacheUrl === undefined) {
    throw usage('tokens revoke needs --store <SQLite file | redis:// URL> and/or --cache <redis:// URL>')
  }
  const backend: StoreBackend | undefined =
    spec === undefined
      ? undefined
      : await openStore(spec, 'write', encryptionOf(options, io.env, output), ctx.config.timeoutMs)
  const cacheErrors: Error[] = []
  let cache: VerificationCache | undefined
  let core: ReturnType<typeof coreFor> | undefined
  try {
    const before = backend === undefined ? [] : await backend.rows()
    const ofUser = before.filter((row) => row.appId === ctx.config.appId && row.userId === userId)
    if (cacheUrl !== undefined) {
      const { redisCache } = await import('@tokens/redis')
      cache = redisCache({
        url: cacheUrl.href,
        prefix: options.prefix ?? 'tokens:',
        onError: (error) => cacheErrors.push(error),
      })
    }
    core = coreFor(ctx.config, {
      clock: ctx.clock,
      ...(backend && { store: backend.store }),
      ...(cache && { cache }),
    })
    await core.revokeUser(userId)
    if (cacheErrors.length > 0) {
      throw unavailable(
        `the stored tokens were deleted, but the cache at ${shownUrl(cacheUrl as URL)} could not be cleared (${cacheErrors[0]?.message}): run it again once Redis answers`,
      )
    }
    const counts = ['user', 'system_user', 'page']
      .map((kind) => [kind, ofUser.filter((row) => row.kind === kind).length] as const)
      .filter(([, n]) => n > 0)
      .map(([kind, n]) => `${n} ${kind}`)
    if (output.json) {
      output.document({
        userId,
        appId: ctx.config.appId,
        deleted: ofUser.length,
        store: backend?.label ?? null,
        cache: cacheUrl === undefined ? null : `Redis ${shownUrl(cacheUrl)}`,
      })
      return EXIT.ok
    }
    const parts: string[] = []
    if (backend !== undefined) {
      const what =
        ofUser.length === 0
          ? 'no stored token'
          : `${ofUser.length} stored token${ofUser.length === 1 ? '' : 's'} (${counts.join(', ')})`
      parts.push(`deleted ${what} from ${backend.label}`)
    }
    if (cacheUrl !== undefined) parts.push(`dropped the cached verifications in Redis ${shownUrl(cacheUrl)}`)
    output.out(`Revoked user ${userId} of app ${ctx.config.appId}: ${parts.join('; ')}.`)
    return EXIT.ok
  } finally {
    if (core !== undefined) await core.close()
    else await cache?.close?.()
    await backend?.close()
  }
}

/** `--cache`: a Redis URL, `none`, or by default the store's Redis when the store is one. */
function cacheUrlOf(cache: string | undefined, spec: ReturnType<typeof storeSpec>): URL | undefined {
  if (cache === 'none') return undefined
  if (cache === undefined) return spec?.type === 'redis' ? new URL(spec.url) : undefined
  if (!/^rediss?:\/\//i.test(cache)) throw usage(`--cache: '${cache}' is not a redis:// URL (or 'none')`)
  try {
    return new URL(cache)
  } catch {
    throw usage(`--cache: '${cache}' is not a valid Redis URL`)
  }
}
