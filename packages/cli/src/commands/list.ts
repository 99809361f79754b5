import { isTokenError, type Tokens } from '@tokens/core'
import { coreFor } from '../app-config.js'
import { parseDuration } from '../clock.js'
import { confirm } from '../confirm.js'
import type { CommandContext } from '../context.js'
import { EXIT, type ExitCode } from '../exit-codes.js'
import { usage } from '../failure.js'
import { fingerprint } from '../output.js'
import { eachLimited, Progress } from '../progress.js'
import { rowCells, rowHead, rowJson, type Verdict } from '../row-view.js'
import { openStore, type StoreBackend } from '../store-backend.js'
import { encryptionOf, type StoreOptions, storeSpec } from '../store-spec.js'
import { compareRows, openValues, type StoredRow } from '../stored-rows.js'
import { renderTable } from '../table.js'

/** Options of `tokens list`. */
export interface ListOptions extends StoreOptions {
  check?: boolean
  expiring?: string
  prune?: boolean
  yes?: boolean
}

/** Verifications in flight at once: well within the core's queue, gentle on Graph's budget. */
const CHECK_CONCURRENCY = 8

/**
 * `tokens list`: every stored token (of the configured app, when one is), without its value;
 * `--check` has the core verify each; `--prune` deletes the ones Graph refuses, after a confirmation.
 */
export async function listCommand(ctx: CommandContext, options: ListOptions): Promise<ExitCode> {
  const { output, io } = ctx
  const spec = storeSpec(options, io.env, output)
  if (spec === undefined) throw usage('tokens list needs --store <SQLite file | redis:// URL> (or TOKENS_STORE)')
  const window = options.expiring === undefined ? undefined : parseDuration(options.expiring, '--expiring')
  const prune = options.prune === true
  const check = options.check === true || prune
  if (prune && options.yes !== true && io.stdin.isTTY !== true) {
    throw usage('--prune asks before deleting, and stdin is not a terminal: add --yes to delete without asking')
  }
  const encryption = encryptionOf(options, io.env, output)
  const tokens = check ? coreFor(ctx.config, { clock: ctx.clock }) : undefined
  const backend = await openStore(spec, prune ? 'write' : 'read', encryption, ctx.config.timeoutMs).catch(
    async (error: unknown) => {
      await tokens?.close()
      throw error
    },
  )
  try {
    const now = ctx.clock()
    const rows = (await backend.rows())
      .filter((row) => ctx.config.appId === undefined || row.appId === ctx.config.appId)
      .filter((row) => window === undefined || (row.info.expiresAt !== null && row.info.expiresAt <= now + window))
      .sort(compareRows)
    const verdicts =
      tokens === undefined ? undefined : await checkRows(ctx, tokens, backend, rows, encryption !== undefined)
    const refused = rows.filter((row) => verdicts?.get(row)?.state === 'invalid')
    const unreadable = rows.filter((row) => verdicts?.get(row)?.state === 'unreadable')
    let pruned: StoredRow[] | undefined
    if (prune) {
      if (!output.json) print(ctx, backend, rows, verdicts, options.expiring)
      pruned = await pruneRows(ctx, backend, refused, options.yes === true)
      if (output.json) output.document(documentOf(backend, rows, verdicts, pruned))
    } else if (output.json) output.document(documentOf(backend, rows, verdicts, undefined))
    else print(ctx, backend, rows, verdicts, options.expiring)
    // The store's own notices (a Redis that may evict keys) arrive while it works: told last.
    for (const warning of backend.warnings) if (!output.json) output.err(`warning: ${warning}`)
    if (unreadable.length > 0) {
      if (!output.json) output.err(`${unreadable.length} stored token(s) could not be opened: check --key`)
      return EXIT.usage
    }
    const left = refused.length - (pruned?.length ?? 0)
    return left > 0 ? EXIT.invalidToken : EXIT.ok
  } finally {
    await backend.close()
    await tokens?.close()
  }
}

/** Verifies every row's token through the core; an outage or refused credentials end the check. */
async function checkRows(
  ctx: CommandContext,
  tokens: Tokens,
  backend: StoreBackend,
  rows: readonly StoredRow[],
  hasKey: boolean,
): Promise<Map<StoredRow, Verdict>> {
  const sealed = rows.find((row) => row.sealedWith !== null)
  if (sealed !== undefined && !hasKey) {
    throw usage(
      `the store is encrypted (key '${sealed.sealedWith}'): pass --key ${sealed.sealedWith}:<key> (or TOKENS_KEYS) to check its tokens`,
    )
  }
  const values = await openValues(backend.store, rows)
  const verdicts = new Map<StoredRow, Verdict>()
  const progress = new Progress(ctx.output, 'Checking tokens with Graph', rows.length)
  try {
    await eachLimited(rows, CHECK_CONCURRENCY, async (row) => {
      const value = values.get(row)
      if (value === undefined) verdicts.set(row, { state: 'gone' })
      else if (value instanceof Error) verdicts.set(row, { state: 'unreadable', reason: value.message })
      else {
        ctx.output.secret(value)
        verdicts.set(row, await verdictOf(tokens, value))
      }
      progress.tick()
    })
  } finally {
    progress.end()
  }
  return verdicts
}

async function verdictOf(tokens: Tokens, value: string): Promise<Verdict> {
  try {
    await tokens.verify(value)
    return { state: 'valid', fingerprint: fingerprint(value) }
  } catch (error) {
    if (isTokenError(error) && error.code === 'invalid_token') {
      return {
        state: 'invalid',
        fingerprint: fingerprint(value),
        reason: error.reason ?? 'invalidated',
        description: error.message,
      }
    }
    throw error
  }
}

/** Deletes the refused rows (each only if unchanged since it was read), after a confirmation. */
async function pruneRows(
  ctx: CommandContext,
  backend: StoreBackend,
  refused: readonly StoredRow[],
  yes: boolean,
): Promise<StoredRow[]> {
  const { output } = ctx
  if (refused.length === 0) {
    if (!output.json) output.out('Nothing to prune: Graph refuses none of these tokens.')
    return []
  }
  const what = `${refused.length} token${refused.length === 1 ? '' : 's'} that Graph refuses`
  if (!yes && !(await confirm(ctx.io, `Delete ${what} from ${backend.label}?`))) {
    if (!output.json) output.out('Nothing deleted.')
    return []
  }
  const deleted: StoredRow[] = []
  for (const row of refused) if (await backend.deleteRow(row)) deleted.push(row)
  if (!output.json) {
    const changed = refused.length - deleted.length
    const note = changed > 0 ? ` (${changed} changed meanwhile and ${changed === 1 ? 'was' : 'were'} kept)` : ''
    output.out(`Deleted ${deleted.length} of ${what} from ${backend.label}${note}.`)
  }
  return deleted
}

function documentOf(
  backend: StoreBackend,
  rows: readonly StoredRow[],
  verdicts: Map<StoredRow, Verdict> | undefined,
  pruned: readonly StoredRow[] | undefined,
): Record<string, unknown> {
  return {
    store: backend.label,
    checked: verdicts !== undefined,
    tokens: rows.map((row) => rowJson(row, verdicts?.get(row))),
    ...(pruned !== undefined && { pruned: pruned.map((row) => rowJson(row, verdicts?.get(row))) }),
  }
}

function print(
  ctx: CommandContext,
  backend: StoreBackend,
  rows: readonly StoredRow[],
  verdicts: Map<StoredRow, Verdict> | undefined,
  expiring: string | undefined,
): void {
  const { output } = ctx
  const within = expiring === undefined ? '' : ` expiring within ${expiring}`
  if (rows.length === 0) {
    output.out(`No tokens${within} in ${backend.label}.`)
    return
  }
  const withApp = new Set(rows.map((row) => row.appId)).size > 1
  const now = ctx.clock()
  const cells = rows.map((row) => rowCells(row, verdicts?.get(row), now, output.colors, withApp))
  output.out(renderTable(rowHead(verdicts !== undefined, withApp), cells, output.colors))
  const kinds = ['user', 'system_user', 'page']
    .map((kind) => [kind, rows.filter((row) => row.kind === kind).length] as const)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${n} ${kind}`)
  let summary = `${rows.length} token${rows.length === 1 ? '' : 's'}${within} in ${backend.label} (${kinds.join(', ')})`
  if (verdicts !== undefined) {
    const count = (state: Verdict['state']) => [...verdicts.values()].filter((v) => v.state === state).length
    const parts = [`${count('valid')} valid`, `${count('invalid')} refused by Graph`]
    if (count('unreadable') > 0) parts.push(`${count('unreadable')} unreadable`)
    summary += `: ${parts.join(', ')}`
  }
  output.out(`\n${summary}`)
}
