import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADAPTERS } from './adapters.js'
import { ALLOWED_STATUSES, type RawRequest, World } from './world.js'

/** Seeded: a failure names its seed and path, and reruns identically. */
const SEED = 20_261_129
const RUNS = Number(process.env.FUZZ_RUNS ?? 2000)

/** What Node's HTTP client lets through in a header value (no CR, LF or NUL). */
const HEADER_CHARS = fc.constantFrom(
  ...'\t !"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~é\u00ff',
)
const headerText = fc.string({ unit: HEADER_CHARS, maxLength: 120 })
const B64 = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/=|')

/** Things that might be tokens: ours, foreign, local app tokens, well-formed garbage, garbage. */
function tokenish(w: World, valid: string, foreign: string): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(valid) },
    fc.constant(foreign),
    fc.constant(`${w.app.id}|${w.app.secret}`),
    { weight: 2, arbitrary: fc.constant(`${w.app.id}|${w.app.clientToken}`) },
    fc.constant(`${w.otherApp.id}|${w.otherApp.secret}`),
    fc.stringMatching(/^EAA[A-Za-z0-9]{17,200}$/),
    fc.string({ unit: B64, minLength: 1, maxLength: 60 }),
    fc.stringMatching(/^\d{1,20}\|[A-Za-z0-9|]{0,40}$/),
    headerText,
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.constant('A'.repeat(8193)),
    fc.constant(''),
  )
}

function requests(w: World, valid: string, foreign: string, paths: string[]): fc.Arbitrary<RawRequest> {
  const token = tokenish(w, valid, foreign)
  /** Latin-1 only: what may travel in a header. */
  const headerToken = token.map((t) => t.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?'))
  const authorization = fc.oneof(
    headerToken.map((t) => `Bearer ${t}`),
    headerToken.map((t) => `bEaReR \t ${t}   `),
    fc.constantFrom('Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'Digest x', 'OAuth abc', 'Bearer a b'),
    headerText,
    fc.array(
      headerToken.map((t) => `Bearer ${t}`),
      { minLength: 2, maxLength: 3 },
    ),
  )
  /** Two or three `Authorization` headers in any case, as sent (an object would merge them). */
  const repeatedAuthorization = fc.array(
    fc.tuple(
      fc.constantFrom('Authorization', 'authorization', 'AUTHORIZATION', 'aUtHoRiZaTiOn'),
      fc.oneof(
        { weight: 3, arbitrary: headerToken.map((t) => `Bearer ${t}`) },
        fc.constantFrom('Bearer', 'Basic dXNlcjpwYXNz'),
      ),
    ),
    { minLength: 2, maxLength: 3 },
  )
  const query = fc.oneof(
    token.map((t) => `access_token=${encodeURIComponent(t)}`),
    fc
      .array(token, { minLength: 2, maxLength: 3 })
      .map((ts) => ts.map((t) => `access_token=${encodeURIComponent(t)}`).join('&')),
    token.map((t) => `access_token[x]=${encodeURIComponent(t)}`),
    token.map((t) => `access_token[]=${encodeURIComponent(t)}`),
    fc.string({ unit: fc.constantFrom(...'access_tokn=&%[]+09AZaz.~'), maxLength: 60 }),
  )
  const cookie = fc.oneof(
    headerToken.map((t) => `access_token=${t}`),
    fc.tuple(headerToken, headerToken).map(([a, b]) => `access_token=${a}; access_token=${b}`),
    headerToken.map((t) => `other=1; access_token=${encodeURIComponent(t)}; x=%zz`),
    headerText,
  )
  const body = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }).map((v) => ({ type: 'application/json', text: JSON.stringify(v) ?? 'null' })),
    fc
      .record({ access_token: fc.oneof(token, fc.jsonValue({ maxDepth: 2 })), other: fc.jsonValue({ maxDepth: 1 }) })
      .map((v) => ({ type: 'application/json', text: JSON.stringify(v) })),
    fc
      .array(fc.tuple(fc.constantFrom('access_token', 'access_token[]', 'a'), token), { maxLength: 3 })
      .map((pairs) => ({ type: 'application/x-www-form-urlencoded', text: new URLSearchParams(pairs).toString() })),
    fc.record({
      type: fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain'),
      text: fc.string({ maxLength: 200 }),
    }),
  )
  return fc
    .record(
      {
        post: fc.boolean(),
        path: fc.constantFrom(...paths),
        authorization,
        // rarely: every such request is refused before anything else is looked at
        repeated: fc.oneof(
          { weight: 7, arbitrary: fc.constant(undefined) },
          { weight: 1, arbitrary: repeatedAuthorization },
        ),
        query,
        cookie,
        body,
      },
      { requiredKeys: ['post', 'path', 'repeated'] },
    )
    .map((r) => {
      const headers: Record<string, string | string[]> = {}
      // one or the other: `repeated` already holds Authorization headers
      if (r.authorization !== undefined && r.repeated === undefined) headers.authorization = r.authorization
      if (r.cookie !== undefined) headers.cookie = r.cookie
      const request: RawRequest = {
        method: r.post ? 'POST' : 'GET',
        path: r.query === undefined ? r.path : `${r.path}?${r.query}`,
        headers,
      }
      if (r.repeated !== undefined) request.rawHeaders = r.repeated.flat()
      if (r.post && r.body !== undefined) {
        headers['content-type'] = r.body.type
        request.body = r.body.text
      }
      return request
    })
    .filter((r) => headerBytes(r) < MAX_HEADER_BYTES)
}

/** Node refuses heads over 16 KiB with its own 431, before any of our code runs: stay under. */
const MAX_HEADER_BYTES = 14_000

function headerBytes(req: RawRequest): number {
  let size = req.path.length
  for (const value of Object.values(req.headers ?? {})) size += [value].flat().join('').length + 32
  for (const part of req.rawHeaders ?? []) size += part.length + 16
  return size
}

/** How many `Authorization` headers `req` carries, in any case. */
function authorizationHeaders(req: RawRequest): number {
  const fromObject = [req.headers?.authorization ?? []].flat().length
  const raw = req.rawHeaders ?? []
  return fromObject + raw.filter((part, i) => i % 2 === 0 && part.toLowerCase() === 'authorization').length
}

describe.each(ADAPTERS)('%s: arbitrary headers, query strings, bodies and cookies over a real socket', (adapter) => {
  let w: World
  let url: string
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown) => void unhandled.push(reason)

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled)
    w = await World.start()
    const core = w.core({ tokenSources: { header: true, query: true, body: true, cookie: 'access_token' } })
    url = await w.serve(adapter, core)
  })
  afterAll(async () => {
    await w.close()
    process.off('unhandledRejection', onUnhandled)
  })

  it(`answers only 200/400/401/403/503, lets in only our tokens (never a client token, never two Authorization headers), leaks nothing (${RUNS} seeded runs)`, async () => {
    const valid = w.userToken()
    const foreign = w.userToken(w.otherApp.id)
    const seen = new Map<number, number>()
    // passport also serves /plain: Passport's own failure answer, without failWithError or our handler
    const paths = adapter === 'passport' ? ['/user', '/any', '/plain'] : ['/user', '/any']
    const failures: string[] = []
    let repeated = 0
    let clientTokens = 0
    await fc
      .assert(
        fc.asyncProperty(requests(w, valid, foreign, paths), async (req) => {
          const answer = await w.send(url, req)
          if (authorizationHeaders(req) > 1) repeated++
          if (JSON.stringify(req).includes(w.app.clientToken)) clientTokens++
          seen.set(answer.status, (seen.get(answer.status) ?? 0) + 1)
          if (!ALLOWED_STATUSES.has(answer.status)) {
            failures.push(`${answer.status} ${answer.text.slice(0, 200)}`)
            return false
          }
          if (authorizationHeaders(req) > 1) {
            // which of two would a proxy in front have checked? Refused, whatever they hold
            if (answer.status !== 400)
              failures.push(`${answer.status} for ${authorizationHeaders(req)} Authorization headers`)
            return answer.status === 400
          }
          if (answer.status === 200) {
            const who = JSON.parse(answer.text) as { appId: string; userId: string | null; type: string }
            if (who.appId !== w.app.id) return false
            if (!req.path.startsWith('/any') && who.userId !== w.user.id) return false
            // no fuzzed route names client: the public client token signs nobody in
            if (who.type === 'client') {
              failures.push('200 for a client token on a route that does not name client')
              return false
            }
          }
          return true
        }),
        { seed: SEED, numRuns: RUNS, verbose: 0, includeErrorInReport: false },
      )
      .catch((error: unknown) => {
        throw new Error(`${failures[0] ?? 'a 200 for a token that is not ours'} (seed ${SEED})`, { cause: error })
      })
    expect(unhandled).toEqual([])
    // The generator sent what the properties are about, or they prove little.
    console.log(
      `${adapter}: ${repeated} requests with repeated Authorization headers, ${clientTokens} with the client token`,
    )
    expect(repeated).toBeGreaterThan(RUNS / 20)
    expect(clientTokens).toBeGreaterThan(RUNS / 20)
    // The generator reaches every kind of answer, or the property proves little.
    for (const status of [200, 400, 401, 403]) expect(seen.get(status) ?? 0).toBeGreaterThan(0)
    expect(seen.get(503) ?? 0).toBe(0) // Graph is healthy here: a 503 would be a misclassification
  })
})
