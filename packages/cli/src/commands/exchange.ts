import { isTokenError, redact, type SystemUserToken, type UserToken } from '@tokens/core'
import { coreFor, requireApp } from '../app-config.js'
import { formatWhen, isoOrNull } from '../clock.js'
import type { CommandContext } from '../context.js'
import { EXIT, type ExitCode } from '../exit-codes.js'
import { usage } from '../failure.js'
import { fingerprint } from '../output.js'
import { openStore, type StoreBackend } from '../store-backend.js'
import { encryptionOf, type StoreOptions, storeSpec } from '../store-spec.js'
import { writeTokenFile } from '../token-file.js'
import { readToken } from '../token-input.js'

/** Options of the commands that obtain tokens (`exchange`, `pages`). */
export interface AcquireOptions extends StoreOptions {
  save?: boolean
  output?: string
}

/** Opens the store for `--save`; a usage error without `--store`. */
export async function storeForSave(ctx: CommandContext, options: AcquireOptions): Promise<StoreBackend | undefined> {
  if (options.save !== true) return undefined
  const spec = storeSpec(options, ctx.io.env, ctx.output)
  if (spec === undefined) throw usage('--save needs --store <SQLite file | redis:// URL> (or TOKENS_STORE)')
  return openStore(spec, 'write', encryptionOf(options, ctx.io.env, ctx.output), ctx.config.timeoutMs)
}

/** A token as shown: redacted, with its fingerprint. */
export function shown(raw: string): string {
  return `${redact(raw)} (sha256 ${fingerprint(raw)})`
}

/**
 * `tokens exchange [token]`: a short-lived user token (or a system user token) → a long-lived one,
 * by the core, which saves it in the store with `--save`. `--output` writes it to a new file; it is
 * never printed.
 */
export async function exchangeCommand(
  ctx: CommandContext,
  argument: string | undefined,
  options: AcquireOptions,
): Promise<ExitCode> {
  const { output } = ctx
  const raw = await readToken(argument, ctx.io, output)
  requireApp(ctx.config)
  const backend = await storeForSave(ctx, options)
  const core = coreFor(ctx.config, { clock: ctx.clock, ...(backend && { store: backend.store }) })
  try {
    let current: UserToken | SystemUserToken
    try {
      current = await core.verify(raw, { type: ['user', 'system_user'] })
    } catch (error) {
      if (isTokenError(error) && error.code === 'insufficient_scope') {
        throw usage('tokens exchange needs a user or system user token (see tokens debug)', error)
      }
      throw error
    }
    const long = await core.exchangeForLongLived(current)
    output.secret(long.value)
    if (options.output !== undefined) await writeTokenFile(options.output, long.value)
    const expiresAt = long.expiresAt?.getTime() ?? null
    if (output.json) {
      output.document({
        from: { token: redact(raw), fingerprint: fingerprint(raw), lifetime: current.lifetime },
        token: redact(long.value),
        fingerprint: fingerprint(long.value),
        type: long.type,
        appId: long.appId,
        userId: long.userId,
        lifetime: long.lifetime,
        expiresAt: isoOrNull(expiresAt),
        savedTo: backend?.label ?? null,
        writtenTo: options.output ?? null,
      })
      return EXIT.ok
    }
    const c = output.colors
    output.out(`${c.dim('Exchanged  ')}${shown(raw)} (${current.lifetime}-lived)`)
    output.out(`${c.dim('For        ')}${shown(long.value)}`)
    output.out(`${c.dim('Type       ')}${long.type}, user ${long.userId}, app ${long.appId}`)
    output.out(`${c.dim('Lifetime   ')}${long.lifetime}`)
    output.out(`${c.dim('Expires    ')}${formatWhen(expiresAt, ctx.clock())}`)
    output.out(`${c.dim('Saved      ')}${backend ? `to ${backend.label}` : 'no (pass --save --store …)'}`)
    if (options.output !== undefined) output.out(`${c.dim('Written    ')}to ${options.output} (mode 600)`)
    else if (backend === undefined)
      output.out(c.yellow('The long-lived token was not kept: add --save or --output <file>.'))
    return EXIT.ok
  } finally {
    await core.close()
    await backend?.close()
  }
}
