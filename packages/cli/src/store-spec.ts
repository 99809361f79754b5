import type { EncryptionOptions } from '@tokens/core'
import { usage } from './failure.js'
import type { Output } from './output.js'

/** What `--store` names: a SQLite file or a Redis server. */
export type StoreSpec =
  | { type: 'sqlite'; filename: string }
  | { type: 'redis'; url: string; prefix: string; shown: string }

/** The store options of the commands that use a store. */
export interface StoreOptions {
  store?: string
  key?: string[]
  currentKey?: string
  prefix?: string
}

/** `redis://user:***@host:port/db`: a URL as the tool shows it, without its password. */
export function shownUrl(url: URL): string {
  const copy = new URL(url.href)
  if (copy.password !== '') copy.password = '***'
  return copy.href.replace(/\/$/, '')
}

/**
 * Parses `--store` (or `TOKENS_STORE`): `redis://…` or `rediss://…` is Redis, `sqlite:<path>`,
 * `file:<path>` or any other path is a SQLite file. Anything else with a scheme is refused.
 */
export function storeSpec(
  options: StoreOptions,
  env: Record<string, string | undefined>,
  output: Output,
): StoreSpec | undefined {
  const value = options.store ?? (env.TOKENS_STORE || undefined)
  if (value === undefined) return undefined
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1]?.toLowerCase()
  if (scheme === 'redis' || scheme === 'rediss') {
    let url: URL
    try {
      url = new URL(value)
    } catch {
      throw usage(`--store: '${value}' is not a valid Redis URL (redis://host:6379)`)
    }
    output.secret(decodeURIComponent(url.password))
    return { type: 'redis', url: value, prefix: options.prefix ?? 'tokens:', shown: shownUrl(url) }
  }
  if (options.prefix !== undefined) throw usage('--prefix applies to Redis stores only')
  if (scheme === 'sqlite' || scheme === 'file') {
    const filename = value.slice(scheme.length + 1).replace(/^\/\/(?=\/)/, '')
    if (filename === '') throw usage(`--store: '${value}' names no file`)
    return { type: 'sqlite', filename }
  }
  // One letter is a Windows drive (C:\…); longer is a scheme we do not know.
  if (scheme !== undefined && scheme.length > 1) {
    throw usage(`--store: unknown store '${scheme}:': pass a SQLite file path or a redis:// (rediss://) URL`)
  }
  return { type: 'sqlite', filename: value }
}

/**
 * The encryption options from `--key id:key` (repeatable) or `TOKENS_KEYS` (`k1:…,k2:…`), the
 * current key being `--current-key` or the last one given. Keys are registered as secrets.
 */
export function encryptionOf(
  options: StoreOptions,
  env: Record<string, string | undefined>,
  output: Output,
): EncryptionOptions | undefined {
  const given = options.key !== undefined && options.key.length > 0 ? options.key : env.TOKENS_KEYS?.split(',')
  const entries = (given ?? []).map((entry) => entry.trim()).filter((entry) => entry !== '')
  if (entries.length === 0) {
    if (options.currentKey !== undefined) throw usage('--current-key needs --key (or TOKENS_KEYS)')
    return undefined
  }
  const keys: Record<string, string> = {}
  let last = ''
  for (const entry of entries) {
    const colon = entry.indexOf(':')
    if (colon <= 0) throw usage('--key: expected <id>:<key>, such as k1:<64 hex digits or base64 of 32 bytes>')
    const id = entry.slice(0, colon)
    const key = entry.slice(colon + 1)
    output.secret(key)
    keys[id] = key
    last = id
  }
  return { keys, currentKeyId: options.currentKey ?? last }
}
