import { GraphError } from './graph-errors.js'

/**
 * Picks the `fields` a caller asked for (comma-separated) from what a node offers, `defaults` when none
 * were asked. `id` is always included. An unknown field is Graph's code 100 "nonexisting field".
 */
export function selectFields(
  available: Record<string, unknown>,
  requested: string | null,
  defaults: string[],
  nodeType: string,
): Record<string, unknown> {
  const names =
    requested === null || requested.trim() === ''
      ? defaults
      : requested
          .split(',')
          .map((f) => f.trim())
          .filter((f) => f !== '')
  const out: Record<string, unknown> = {}
  for (const name of names) {
    if (!Object.hasOwn(available, name)) {
      throw GraphError.oauth(100, `(#100) Tried accessing nonexisting field (${name}) on node type (${nodeType})`)
    }
    const value = available[name]
    if (value !== undefined) out[name] = value
  }
  if (out.id === undefined && available.id !== undefined) out.id = available.id
  return out
}
