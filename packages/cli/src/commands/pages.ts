import { isTokenError, redact, type UserToken } from '@tokens/core'
import { coreFor, requireApp } from '../app-config.js'
import { formatWhen, isoOrNull } from '../clock.js'
import type { CommandContext } from '../context.js'
import { EXIT, type ExitCode } from '../exit-codes.js'
import { usage } from '../failure.js'
import { fingerprint } from '../output.js'
import { renderTable } from '../table.js'
import { readToken } from '../token-input.js'
import { type AcquireOptions, storeForSave } from './exchange.js'

/**
 * `tokens pages [user-token]`: the Page tokens of every Page the user manages, with their tasks,
 * asked of Graph by the core (paging followed) and, with `--save`, saved in the store by it.
 */
export async function pagesCommand(
  ctx: CommandContext,
  argument: string | undefined,
  options: Omit<AcquireOptions, 'output'>,
): Promise<ExitCode> {
  const { output } = ctx
  const raw = await readToken(argument, ctx.io, output)
  requireApp(ctx.config)
  const backend = await storeForSave(ctx, options)
  const core = coreFor(ctx.config, { clock: ctx.clock, ...(backend && { store: backend.store }) })
  try {
    let user: UserToken
    try {
      user = await core.verify(raw, { type: 'user' })
    } catch (error) {
      if (isTokenError(error) && error.code === 'insufficient_scope') {
        throw usage('tokens pages needs a user token (see tokens debug)', error)
      }
      throw error
    }
    const pages = await core.pageTokens(user, { refresh: true })
    for (const page of pages) output.secret(page.value)
    const now = ctx.clock()
    if (output.json) {
      output.document({
        userId: user.userId,
        appId: user.appId,
        savedTo: backend?.label ?? null,
        pages: pages.map((page) => ({
          pageId: page.pageId,
          tasks: page.tasks ?? [],
          token: redact(page.value),
          fingerprint: fingerprint(page.value),
          lifetime: page.lifetime,
          expiresAt: isoOrNull(page.expiresAt?.getTime() ?? null),
        })),
      })
      return EXIT.ok
    }
    if (pages.length === 0) output.out(`User ${user.userId} manages no Page of app ${user.appId}.`)
    else {
      const rows = pages.map((page) => [
        page.pageId,
        (page.tasks ?? []).join(', ') || '—',
        page.lifetime,
        formatWhen(page.expiresAt?.getTime() ?? null, now),
        `${redact(page.value)} (sha256 ${fingerprint(page.value)})`,
      ])
      output.out(renderTable(['PAGE', 'TASKS', 'LIFETIME', 'EXPIRES', 'TOKEN'], rows, output.colors))
      const saved = backend ? `saved to ${backend.label}` : 'not saved (pass --save --store …)'
      output.out(`\n${pages.length} Page token${pages.length === 1 ? '' : 's'} of user ${user.userId}: ${saved}.`)
    }
    return EXIT.ok
  } finally {
    await core.close()
    await backend?.close()
  }
}
