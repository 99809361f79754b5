import { GraphError } from './graph-errors.js'
import { servedVersion } from './versions.js'

/** A Graph path, split into its version prefix and the unversioned path. */
export interface GraphPath {
  /** The version prefix as called (`v2.3` for `/v2.3/me`), `undefined` for unversioned calls. */
  requested: string | undefined
  /** The version that serves it (see `servedVersion`); `undefined` when unversioned or never offered. */
  version: string | undefined
  /** The path without the version prefix, repeated or trailing slashes, e.g. `/me/accounts`. */
  path: string
}

const VERSIONED = /^\/(v\d+\.\d+)(\/.*)?$/

/** Splits a request path (`/v25.0/me/accounts/`) into its version and unversioned path. */
export function parseGraphPath(pathname: string): GraphPath {
  const match = VERSIONED.exec(pathname)
  const requested = match?.[1]
  const raw = (match ? (match[2] ?? '/') : pathname).replace(/\/{2,}/g, '/')
  const path = raw.length > 1 ? raw.replace(/\/+$/, '') : raw
  return { requested, version: requested === undefined ? undefined : servedVersion(requested), path }
}

/** The decoded segments of an unversioned path; a version Graph never offered is an unknown path. */
export function graphSegments(parsed: GraphPath): string[] {
  if (parsed.requested !== undefined && parsed.version === undefined) {
    throw GraphError.oauth(
      2500,
      `Unknown path components: /${parsed.requested}${parsed.path === '/' ? '' : parsed.path}`,
    )
  }
  try {
    return parsed.path
      .split('/')
      .filter((s) => s !== '')
      .map((s) => decodeURIComponent(s))
  } catch {
    throw GraphError.oauth(100, '(#100) Malformed path')
  }
}
