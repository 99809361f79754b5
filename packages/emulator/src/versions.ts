/**
 * The Graph API versions the emulator serves, oldest first: the versions Meta still offered when this
 * list was last updated (2026-11; each version lives about two years). Change this one list when Meta
 * releases or retires a version.
 *
 * @example
 * ```ts
 * const newest = GRAPH_VERSIONS[GRAPH_VERSIONS.length - 1] // 'v26.0'
 * ```
 */
export const GRAPH_VERSIONS = ['v21.0', 'v22.0', 'v23.0', 'v24.0', 'v25.0', 'v26.0'] as const

/** The version unversioned calls are served as, unless `graphVersion` says otherwise. */
export const DEFAULT_GRAPH_VERSION = 'v25.0'

const VERSION = /^v(\d{1,4})\.(\d{1,4})$/

function rank(version: string): number | undefined {
  const match = VERSION.exec(version)
  return match ? Number(match[1]) * 10_000 + Number(match[2]) : undefined
}

const OLDEST = GRAPH_VERSIONS[0]
const OLDEST_RANK = rank(OLDEST) ?? 0

/**
 * The version that answers a call to `/{version}/…`: the version itself when Graph offers it, the oldest
 * available version for a retired one (as Graph does), `undefined` for one Graph never offered (a
 * version newer than the newest, or `v22.5`), which is then an unknown path.
 */
export function servedVersion(version: string): string | undefined {
  if ((GRAPH_VERSIONS as readonly string[]).includes(version)) return version
  const requested = rank(version)
  return requested !== undefined && requested < OLDEST_RANK ? OLDEST : undefined
}

/** Checks the `graphVersion` option: one of {@link GRAPH_VERSIONS}, else a `TypeError`. */
export function checkDefaultVersion(version: string): string {
  if (!(GRAPH_VERSIONS as readonly string[]).includes(version)) {
    throw new TypeError(`graphVersion must be one of ${GRAPH_VERSIONS.join(', ')}; got '${version}'`)
  }
  return version
}
