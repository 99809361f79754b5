import { type AccessToken, isTokenError, redact, type TokenError, type Tokens, type TokenType } from '@tokens/core'
import { coreFor } from '../app-config.js'
import { formatWhen, isoOrNull } from '../clock.js'
import type { CommandContext } from '../context.js'
import { EXIT, type ExitCode } from '../exit-codes.js'
import { fingerprint } from '../output.js'
import { readToken } from '../token-input.js'

const EVERY_TYPE: readonly TokenType[] = ['user', 'page', 'app', 'system_user', 'client']
const TYPES: Readonly<Record<string, TokenType>> = {
  USER: 'user',
  PAGE: 'page',
  APP: 'app',
  SYSTEM_USER: 'system_user',
}

/** What Graph's `debug_token` says beyond the core's verdict: the app's name, Graph's own error. */
interface GraphDetails {
  application?: unknown
  app_id?: unknown
  type?: unknown
  user_id?: unknown
  profile_id?: unknown
  scopes?: unknown
  granular_scopes?: unknown
  issued_at?: unknown
  expires_at?: unknown
  data_access_expires_at?: unknown
  error?: { code?: unknown; subcode?: unknown; message?: unknown }
}

/** What `tokens debug` reports (`--json` prints it as is). */
export interface DebugReport {
  token: string
  fingerprint: string
  valid: boolean
  reason: string | null
  description: string | null
  graphError: { code: number | null; subcode: number | null; message: string } | null
  type: TokenType | null
  appId: string | null
  appName: string | null
  userId: string | null
  pageId: string | null
  tasks: readonly string[] | null
  scopes: readonly string[]
  granularScopes: ReadonlyArray<{ scope: string; targetIds?: readonly string[] }>
  issuedAt: string | null
  expiresAt: string | null
  dataAccessExpiresAt: string | null
  lifetime: string | null
}

/**
 * `tokens debug [token]`: the core verifies the token (its verdict and reason decide the exit code);
 * Graph's `debug_token`, asked through the core's client, adds what the core keeps to itself: the
 * app's name and, for a refused token, Graph's code, subcode and message.
 */
export async function debugCommand(ctx: CommandContext, argument: string | undefined): Promise<ExitCode> {
  const raw = await readToken(argument, ctx.io, ctx.output)
  const tokens = coreFor(ctx.config, { clock: ctx.clock })
  try {
    let token: AccessToken | undefined
    let refusal: TokenError | undefined
    try {
      token = await tokens.verify(raw, { type: EVERY_TYPE })
    } catch (error) {
      if (!isTokenError(error) || error.code !== 'invalid_token') throw error
      refusal = error
    }
    const details = token?.type === 'client' ? undefined : await graphDetails(tokens, raw)
    const report = reportOf(raw, token, refusal, details)
    if (ctx.output.json) ctx.output.document(report)
    else printReport(ctx, report)
    return report.valid ? EXIT.ok : EXIT.invalidToken
  } finally {
    await tokens.close()
  }
}

/** Graph's own answer, or nothing when it cannot be had (the core's verdict stands alone then). */
async function graphDetails(tokens: Tokens, raw: string): Promise<GraphDetails | undefined> {
  try {
    const body = await tokens.graph.get<{ data?: GraphDetails }>('/debug_token', {
      token: tokens.appToken(),
      params: { input_token: raw },
    })
    return typeof body?.data === 'object' && body.data !== null ? body.data : undefined
  } catch {
    return undefined
  }
}

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null)
const id = (value: unknown): string | null => (typeof value === 'number' ? String(value) : text(value))
const seconds = (value: unknown): number | null => (typeof value === 'number' && value > 0 ? value * 1000 : null)

function reportOf(
  raw: string,
  token: AccessToken | undefined,
  refusal: TokenError | undefined,
  details: GraphDetails | undefined,
): DebugReport {
  const error = details?.error
  const graphError =
    error === undefined || error === null
      ? null
      : {
          code: typeof error.code === 'number' ? error.code : null,
          subcode: typeof error.subcode === 'number' ? error.subcode : null,
          message: text(error.message) ?? '',
        }
  const base = {
    token: redact(raw),
    fingerprint: fingerprint(raw),
    appName: text(details?.application),
  }
  if (token !== undefined) {
    const info = token.toInfo()
    return {
      ...base,
      valid: true,
      reason: null,
      description: null,
      graphError,
      type: token.type,
      appId: token.appId,
      userId: info.userId ?? null,
      pageId: info.pageId ?? null,
      tasks: info.tasks ?? null,
      scopes: token.scopes,
      granularScopes: token.granularScopes,
      issuedAt: isoOrNull(info.issuedAt),
      expiresAt: isoOrNull(info.expiresAt),
      dataAccessExpiresAt: isoOrNull(info.dataAccessExpiresAt),
      lifetime: token.lifetime,
    }
  }
  const scopes = Array.isArray(details?.scopes) ? details.scopes.filter((s): s is string => typeof s === 'string') : []
  const grants = Array.isArray(details?.granular_scopes)
    ? (details.granular_scopes as Array<{ scope?: unknown; target_ids?: unknown }>)
        .filter((g) => typeof g?.scope === 'string')
        .map((g) =>
          Array.isArray(g.target_ids)
            ? { scope: g.scope as string, targetIds: g.target_ids.map(String) }
            : { scope: g.scope as string },
        )
    : []
  return {
    ...base,
    valid: false,
    reason: refusal?.reason ?? 'invalidated',
    description: refusal?.message ?? null,
    graphError,
    type: typeof details?.type === 'string' ? (TYPES[details.type] ?? null) : null,
    appId: id(details?.app_id),
    userId: id(details?.user_id),
    pageId: id(details?.profile_id),
    tasks: null,
    scopes,
    granularScopes: grants,
    issuedAt: isoOrNull(seconds(details?.issued_at)),
    expiresAt: isoOrNull(seconds(details?.expires_at)),
    dataAccessExpiresAt: isoOrNull(seconds(details?.data_access_expires_at)),
    lifetime: null,
  }
}

function printReport(ctx: CommandContext, report: DebugReport): void {
  const c = ctx.output.colors
  const now = ctx.clock()
  const when = (iso: string | null, never: string) => formatWhen(iso === null ? null : Date.parse(iso), now, never)
  const lines: Array<[string, string]> = [['Token', `${report.token} (sha256 ${report.fingerprint})`]]
  if (report.valid) lines.push(['Valid', c.green('yes')])
  else lines.push(['Valid', `${c.red('no')}: ${report.reason}${report.description ? ` (${report.description})` : ''}`])
  if (report.graphError !== null) {
    const codes = [report.graphError.code, report.graphError.subcode].filter((n) => n !== null).join('/')
    lines.push(['Graph error', `${codes ? `${codes}: ` : ''}${report.graphError.message}`])
  }
  if (report.type !== null) lines.push(['Type', report.type])
  if (report.appId !== null) lines.push(['App', report.appName ? `${report.appId} (${report.appName})` : report.appId])
  if (report.pageId !== null) lines.push(['Page', report.pageId])
  if (report.userId !== null) {
    const label = report.type === 'page' ? 'User (admin)' : report.type === 'system_user' ? 'System user' : 'User'
    lines.push([label, report.userId])
  }
  if (report.tasks !== null) lines.push(['Tasks', report.tasks.join(', ') || '—'])
  if (report.type !== 'app' && report.type !== 'client') {
    lines.push(['Scopes', report.scopes.join(', ') || '—'])
    const targeted = report.granularScopes.filter((g) => g.targetIds !== undefined)
    targeted.forEach((grant, i) => {
      lines.push([i === 0 ? 'Granular scopes' : '', `${grant.scope}: ${(grant.targetIds ?? []).join(', ')}`])
    })
    lines.push(['Issued', when(report.issuedAt, 'not said')])
    lines.push(['Expires', when(report.expiresAt, 'never')])
    lines.push(['Data access expires', when(report.dataAccessExpiresAt, 'no limit')])
  } else lines.push(['Expires', 'never'])
  if (report.lifetime !== null) lines.push(['Lifetime', report.lifetime])
  const width = Math.max(...lines.map(([label]) => label.length)) + 2
  for (const [label, value] of lines) ctx.output.out(`${c.dim(label.padEnd(width))}${value}`)
}
