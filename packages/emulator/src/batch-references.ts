/** How many values one `{result=…}` reference may expand to. */
const MAX_VALUES = 1000

/** `{result=NAME:$.json.path}`: a reference to the JSON answer of an earlier, named request of a batch. */
const REFERENCE = /\{result=([^:{}]{1,128}):(\$[^{}]{0,256})\}/g

/** The names of the requests a text refers to with `{result=NAME:…}`. */
export function referencedNames(text: string): string[] {
  return [...text.matchAll(REFERENCE)].map((match) => match[1] as string)
}

/**
 * The segments of a JSONPath of Graph's batch references: `$`, then `.name`, `.*`, `.0`, `[0]`, `[*]`;
 * `undefined` when the path is not of that form.
 */
export function jsonPathSegments(path: string): string[] | undefined {
  if (!path.startsWith('$')) return undefined
  const segments: string[] = []
  const pattern = /\.([^.[\]]+)|\[([^\]]+)\]/y
  pattern.lastIndex = 1
  while (pattern.lastIndex < path.length) {
    const match = pattern.exec(path)
    if (match === null) return undefined
    segments.push((match[1] ?? match[2] ?? '').trim())
  }
  return segments
}

/** The values a JSONPath selects in `root` (`*` takes every element of an array or value of an object). */
export function evaluateJsonPath(root: unknown, segments: readonly string[]): unknown[] {
  let values: unknown[] = [root]
  for (const segment of segments) {
    const next: unknown[] = []
    for (const value of values) {
      if (value === null || typeof value !== 'object') continue
      if (segment === '*') {
        for (const child of Array.isArray(value) ? value : Object.values(value)) {
          if (next.length >= MAX_VALUES) break
          next.push(child)
        }
      } else if (Object.hasOwn(value, segment) && next.length < MAX_VALUES) {
        next.push((value as Record<string, unknown>)[segment])
      }
    }
    values = next
  }
  return values
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/** A value as URL-encoded text (a lone surrogate, which `encodeURIComponent` refuses, becomes U+FFFD). */
function encoded(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? '')
  return encodeURIComponent(text.replace(LONE_SURROGATE, '\uFFFD'))
}

/**
 * Replaces every `{result=NAME:$.path}` in `text` with the values the path selects in the answer of the
 * request named NAME, URL-encoded and joined with commas. `lookup` returns the parsed answer of a named
 * request, or throws when NAME is unknown or failed.
 */
export function substituteReferences(text: string, lookup: (name: string) => unknown): string {
  return text.replace(REFERENCE, (_match, name: string, path: string) => {
    const segments = jsonPathSegments(path)
    const answer = lookup(name)
    if (segments === undefined) return ''
    return evaluateJsonPath(answer, segments)
      .filter((value) => value !== undefined && value !== null)
      .map(encoded)
      .join(',')
  })
}
