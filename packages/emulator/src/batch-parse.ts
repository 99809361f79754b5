import { GraphError } from './graph-errors.js'

/** How many requests one batch may hold, as on Graph. */
export const MAX_BATCH = 50

/** One request of a batch, as sent. */
export interface BatchItem {
  method: string
  relativeUrl: string
  /** Form-encoded parameters (`body`, a string, or an object of fields). */
  body: string
  name: string | undefined
  dependsOn: string | undefined
  /** `omit_response_on_success`, when given. */
  omit: boolean | undefined
}

/** A code 100 error about a batch. */
export function invalidBatch(message: string): GraphError {
  return GraphError.oauth(100, `(#100) ${message}`)
}

function formBody(value: unknown, index: number): string {
  if (value === undefined || value === null) return ''
  if (typeof value === 'string') return value
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidBatch(`batch[${index}].body must be a string`)
  const params = new URLSearchParams()
  for (const [key, field] of Object.entries(value)) {
    params.append(key, typeof field === 'string' ? field : JSON.stringify(field))
  }
  return params.toString()
}

function optionalText(item: Record<string, unknown>, key: string, index: number): string | undefined {
  const value = item[key]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') throw invalidBatch(`batch[${index}].${key} must be a string`)
  return value
}

function flag(value: unknown): boolean | undefined {
  if (value === true || value === 'true') return true
  if (value === false || value === 'false') return false
  return undefined
}

/**
 * Parses the `batch` parameter: a JSON array of at most {@link MAX_BATCH} objects with `relative_url` and
 * optionally `method`, `body`, `name`, `depends_on` and `omit_response_on_success`. Anything else is a
 * code 100 error for the whole batch.
 */
export function parseBatch(raw: string): BatchItem[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch {
    throw invalidBatch('The parameter batch must be a JSON array of requests')
  }
  if (!Array.isArray(parsed)) throw invalidBatch('The parameter batch must be a JSON array of requests')
  if (parsed.length === 0) throw invalidBatch('The parameter batch must hold at least one request')
  if (parsed.length > MAX_BATCH) {
    throw invalidBatch(`Too many requests in batch message. Maximum batch size is ${MAX_BATCH}`)
  }
  return parsed.map((entry: unknown, index) => {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      throw invalidBatch(`batch[${index}] must be an object`)
    }
    const item = entry as Record<string, unknown>
    const relativeUrl = optionalText(item, 'relative_url', index)
    if (relativeUrl === undefined) throw invalidBatch(`batch[${index}].relative_url is required`)
    return {
      method: (optionalText(item, 'method', index) ?? 'GET').toUpperCase(),
      relativeUrl,
      body: formBody(item.body, index),
      name: optionalText(item, 'name', index),
      dependsOn: optionalText(item, 'depends_on', index),
      omit: flag(item.omit_response_on_success),
    }
  })
}
