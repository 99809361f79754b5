/**
 * Parameters whose values are tokens or secrets: never shown in an event, an error message or a
 * cause, whatever Graph echoes back.
 */
const SECRET_PARAMS: ReadonlySet<string> = new Set([
  'access_token',
  'input_token',
  'fb_exchange_token',
  'code',
  'client_secret',
  'appsecret_proof',
  'id_token',
])

/** Shorter strings are not replaced anywhere: they would match ordinary words. */
const MIN_SECRET_LENGTH = 8

/**
 * A path segment that may be a token: `{app_id}|…`, or 20+ characters that are not an id (ids are
 * digits, with `_` between the parts of a post id). Graph's node and edge names are shorter.
 */
function tokenShaped(segment: string): boolean {
  return segment.includes('|') || segment.includes('%7C') || (segment.length >= 20 && !/^[\d_]+$/.test(segment))
}

/**
 * The secrets one Graph call carries: its token, the app secret, every secret parameter's value, and
 * every token-shaped segment of its path (Graph echoes paths in its error messages).
 */
export function secretsOf(
  token: string | undefined,
  appSecret: string,
  params: Iterable<[string, string]>,
  pathname: string,
): readonly string[] {
  const secrets = token === undefined ? [appSecret] : [token, appSecret]
  for (const [name, value] of params) {
    if (SECRET_PARAMS.has(name) && value.length >= MIN_SECRET_LENGTH) secrets.push(value)
  }
  for (const segment of pathname.split('/')) {
    if (segment.length >= MIN_SECRET_LENGTH && tokenShaped(segment)) secrets.push(segment, safeDecode(segment))
  }
  return secrets
}

/**
 * The spellings of a secret a text may hold: as is, percent-encoded (a URL path), and
 * form-encoded (a query string, where `|` is `%7C` and a space `+`).
 */
function spellings(secret: string): string[] {
  const encoded = [encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2)]
  return [secret, ...encoded.filter((form) => form !== secret)]
}

/** Removes every secret, in each of its spellings, from a text, so it can be logged. */
export function scrub(message: string, secrets: readonly string[]): string {
  let out = message
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_LENGTH) continue
    for (const form of spellings(secret)) out = out.split(form).join('[redacted]')
  }
  return out
}

/**
 * A caller's path as events may show it: token-shaped segments and the values of secret query
 * parameters replaced, whether or not the call's `token` option named them.
 */
export function redactPath(path: string, secrets: readonly string[]): string {
  const scrubbed = scrub(path, secrets)
  const question = scrubbed.indexOf('?')
  const route = question < 0 ? scrubbed : scrubbed.slice(0, question)
  const shownRoute = route
    .split('/')
    .map((segment) => (tokenShaped(segment) ? '[redacted]' : segment))
    .join('/')
  if (question < 0) return shownRoute
  const query = scrubbed
    .slice(question + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=')
      const name = eq < 0 ? pair : pair.slice(0, eq)
      return eq >= 0 && SECRET_PARAMS.has(safeDecode(name)) ? `${name}=[redacted]` : pair
    })
    .join('&')
  return `${shownRoute}?${query}`
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}
