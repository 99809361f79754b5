import { createHmac } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  createTokens,
  extractToken,
  GraphApiError,
  isTokenError,
  parseSignedRequest,
  type RequestLike,
  TokenError,
} from '../src/index.js'

// Seeded: a failure prints its seed and path, and reruns the same way.
const runs = (numRuns: number) => ({ seed: 20261129, numRuns })
const APP_ID = '1000000000000001'
const SECRET = 'fuzzsecretfuzzsecret'

const headerValue = fc.oneof(
  fc.string(),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.constant(undefined),
  fc.string().map((s) => `Bearer ${s}`),
  fc.string().map((s) => `bearer  ${s}`),
)
const anything = fc.anything({ maxDepth: 2 })

describe('fuzz: extraction', () => {
  it('returns a well-formed token, nothing, or an invalid_request TokenError', () => {
    fc.assert(
      fc.property(
        fc.record({
          authorization: headerValue,
          cookie: fc.oneof(fc.string(), fc.constant(undefined)),
          query: fc.oneof(anything, fc.record({ access_token: anything })),
          body: fc.oneof(anything, fc.record({ access_token: anything })),
          cookies: anything,
        }),
        fc.record({
          header: fc.boolean(),
          query: fc.boolean(),
          body: fc.boolean(),
          cookie: fc.constantFrom<false | 'fb'>(false, 'fb'),
        }),
        (input, sources) => {
          const req: RequestLike = {
            headers: { authorization: input.authorization, cookie: input.cookie },
            query: input.query,
            body: input.body,
            cookies: input.cookies,
          }
          try {
            const token = extractToken(req, { sources })
            if (token !== undefined) expect(token).toMatch(/^[A-Za-z0-9\-._~+/|]+=*$/)
          } catch (error) {
            expect(error).toBeInstanceOf(TokenError)
            expect((error as TokenError).code).toBe('invalid_request')
          }
        },
      ),
      runs(5000),
    )
  })
})

function sign(payload: object): string {
  const encoded = Buffer.from(JSON.stringify(payload)).toString('base64url')
  return `${createHmac('sha256', SECRET).update(encoded).digest('base64url')}.${encoded}`
}

describe('fuzz: signed_request', () => {
  it('refuses arbitrary strings with invalid_request only', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.base64String(), anything), (input) => {
        try {
          parseSignedRequest(input, SECRET, { maxAgeSeconds: 0 })
          throw new Error('an arbitrary value was accepted')
        } catch (error) {
          expect(error).toBeInstanceOf(TokenError)
        }
      }),
      runs(5000),
    )
  })

  it('refuses a valid request with any one bit flipped', () => {
    const valid = sign({ algorithm: 'HMAC-SHA256', user_id: '42', issued_at: 1_700_000_000 })
    const [signature, payload] = valid.split('.') as [string, string]
    expect(parseSignedRequest(valid, SECRET, { maxAgeSeconds: 0 }).user_id).toBe('42')
    const bytes = [Buffer.from(signature, 'base64url'), Buffer.from(payload, 'base64url')] as const
    fc.assert(
      fc.property(fc.constantFrom(0, 1), fc.nat(), fc.nat({ max: 7 }), (part, index, bit) => {
        const flipped = Buffer.from(bytes[part])
        const i = index % flipped.length
        flipped[i] = (flipped[i] as number) ^ (1 << bit)
        const parts = [bytes[0].toString('base64url'), bytes[1].toString('base64url')]
        parts[part] = flipped.toString('base64url')
        expect(() => parseSignedRequest(parts.join('.'), SECRET, { maxAgeSeconds: 0 })).toThrow(TokenError)
      }),
      runs(3000),
    )
  })
})

/** A Graph stand-in on the public `fetch` option: answers whatever the property generates. */
function answering(status: number, body: string, headers: Record<string, string>): typeof fetch {
  return async () => new Response(body, { status, headers })
}

const debugData = fc.record(
  {
    app_id: fc.oneof(fc.constant(APP_ID), fc.constant('999'), fc.integer(), anything),
    type: fc.oneof(fc.constantFrom('USER', 'PAGE', 'APP', 'SYSTEM_USER', 'OTHER'), anything),
    is_valid: fc.oneof(fc.boolean(), anything),
    expires_at: fc.oneof(fc.constant(0), fc.integer(), fc.double(), anything),
    data_access_expires_at: fc.oneof(fc.integer(), anything),
    issued_at: fc.oneof(fc.integer(), anything),
    scopes: fc.oneof(fc.array(fc.string()), anything),
    granular_scopes: fc.oneof(fc.array(fc.record({ scope: fc.string(), target_ids: anything })), anything),
    user_id: fc.oneof(fc.string(), fc.integer(), anything),
    profile_id: fc.oneof(fc.string(), anything),
    error: fc.oneof(fc.record({ code: anything, subcode: anything, message: anything }), anything),
  },
  { requiredKeys: [] },
)
const usageHeader = fc.oneof(fc.string(), fc.json(), fc.constant('{"call_count":95,"total_time":10,"total_cputime":5}'))

describe('fuzz: Graph answers', () => {
  it('turns any debug_token answer into a token of our app or a TokenError', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          debugData.map((data) => JSON.stringify({ data })),
          fc.json(),
          fc.string(),
          fc
            .record({ error: fc.record({ code: anything, message: anything, is_transient: anything }) })
            .map((b) => JSON.stringify(b)),
        ),
        fc.constantFrom(200, 200, 200, 400, 401, 500, 503),
        fc.record({ 'x-app-usage': usageHeader, 'x-business-use-case-usage': usageHeader }, { requiredKeys: [] }),
        async (body, status, headers) => {
          const tokens = createTokens({
            appId: APP_ID,
            appSecret: SECRET,
            fetch: answering(status, body, headers),
            retries: 0,
            clock: () => 1_700_000_000_000,
          })
          try {
            const token = await tokens.verify('EAAfuzzfuzzfuzzfuzzfuzzfuzz')
            expect(token.appId).toBe(APP_ID)
            expect(['user', 'page', 'app', 'system_user']).toContain(token.type)
          } catch (error) {
            expect(isTokenError(error)).toBe(true)
          } finally {
            await tokens.close()
          }
        },
      ),
      runs(2000),
    )
  })

  it('turns any error answer into GraphApiError (or graph_unavailable), never anything else', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.json(),
          fc.string(),
          anything.map((error) => JSON.stringify({ error })),
        ),
        fc.integer({ min: 400, max: 599 }),
        async (body, status) => {
          const tokens = createTokens({
            appId: APP_ID,
            appSecret: SECRET,
            fetch: answering(status, body, {}),
            retries: 0,
          })
          const error = await tokens.graph.get('/me', { token: 'EAAfuzzfuzzfuzzfuzzfuzzfuzz' }).then(
            () => undefined,
            (e: unknown) => e,
          )
          expect(error instanceof GraphApiError || isTokenError(error)).toBe(true)
          expect(String((error as Error).message)).not.toContain('EAAfuzzfuzzfuzzfuzzfuzzfuzz')
        },
      ),
      runs(2000),
    )
  })
})
