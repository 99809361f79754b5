import { createTokens, type TokenStore, type Tokens, type TokensOptions, type VerificationCache } from '@tokens/core'
import { usage } from './failure.js'
import type { Output } from './output.js'

/** The options every command takes (flags, with environment variables as fallbacks). */
export interface GlobalOptions {
  appId?: string
  appSecret?: string
  graphUrl?: string
  graphVersion?: string
  timeout?: string
  json?: boolean
  debug?: boolean
  color?: boolean
  now?: string
}

/** Where each option of `createTokens` comes from, to name it in an error. */
const SOURCES: Readonly<Record<string, string>> = {
  appId: '--app-id (META_APP_ID)',
  appSecret: '--app-secret (META_APP_SECRET)',
  graphUrl: '--graph-url (META_GRAPH_URL)',
  graphVersion: '--graph-version',
  timeoutMs: '--timeout',
}

/** The app's configuration, from flags first, then `META_APP_ID`, `META_APP_SECRET`, `META_GRAPH_URL`. */
export interface AppConfig {
  appId: string | undefined
  appSecret: string | undefined
  graphUrl: string | undefined
  graphVersion: string | undefined
  timeoutMs: number
}

/** Reads the app configuration; registers the secret with the output so that it is never printed. */
export function appConfig(options: GlobalOptions, env: Record<string, string | undefined>, output: Output): AppConfig {
  const pick = (flag: string | undefined, name: string) =>
    flag !== undefined && flag !== '' ? flag : env[name] || undefined
  const appSecret = pick(options.appSecret, 'META_APP_SECRET')
  output.secret(appSecret)
  let timeoutMs = 10_000
  if (options.timeout !== undefined) {
    timeoutMs = Number(options.timeout)
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1)
      throw usage(`--timeout: '${options.timeout}' is not a number of ms`)
  }
  return {
    appId: pick(options.appId, 'META_APP_ID'),
    appSecret,
    graphUrl: pick(options.graphUrl, 'META_GRAPH_URL'),
    graphVersion: options.graphVersion,
    timeoutMs,
  }
}

/** What a command needs besides the app configuration. */
export interface CoreParts {
  clock: () => number
  store?: TokenStore
  cache?: VerificationCache
}

/**
 * Builds the core for a command that talks to Graph. A missing app id or secret, or a value the core
 * refuses, is a usage error naming the flag and the environment variable.
 */
export function coreFor(config: AppConfig, parts: CoreParts): Tokens {
  requireApp(config)
  const options: TokensOptions = {
    appId: config.appId as string,
    appSecret: config.appSecret as string,
    timeoutMs: config.timeoutMs,
    clock: parts.clock,
    // One verification per token is enough for a command line; rejections are not worth keeping.
    rejectionTtlSeconds: 0,
  }
  if (config.graphUrl !== undefined) options.graphUrl = config.graphUrl
  if (config.graphVersion !== undefined) options.graphVersion = config.graphVersion
  if (parts.store !== undefined) options.store = parts.store
  if (parts.cache !== undefined) options.cache = parts.cache
  try {
    return createTokens(options)
  } catch (error) {
    throw asOptionError(error)
  }
}

/** Throws a usage error when the app id or secret is missing: before anything is opened. */
export function requireApp(config: AppConfig): asserts config is AppConfig & { appId: string; appSecret: string } {
  if (config.appId === undefined) throw usage('no app id: pass --app-id or set META_APP_ID')
  if (config.appSecret === undefined) {
    throw usage('no app secret: set META_APP_SECRET (or pass --app-secret, which shell history keeps)')
  }
}

/** A core `TypeError` about an option, reworded with the flag that sets it. */
function asOptionError(error: unknown): unknown {
  if (!(error instanceof TypeError)) return error
  const match = /option '(\w+)' (.*)$/.exec(error.message)
  const source = match === null ? undefined : SOURCES[match[1] as string]
  if (match === null || source === undefined) return usage(error.message, error)
  return usage(`${source} ${match[2]}`, error)
}
