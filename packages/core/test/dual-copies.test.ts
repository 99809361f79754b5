import { createRequire } from 'node:module'
import { expect, expectTypeOf, it } from 'vitest'
import { type InvalidTokenReason, isTokensError as isTokensErrorOf, TokenError as TokenErrorOf } from '../src/index.js'

// An app can load both builds of the package (its ESM code imports it, a CommonJS dependency
// requires it): what one copy builds, the other recognises.
it('a token, a core and an error built by one copy are recognised by the other (the built ESM and CommonJS)', async () => {
  const esm = (await import('@tokens/core')) as typeof import('@tokens/core')
  const cjs = createRequire(import.meta.url)('@tokens/core') as typeof import('@tokens/core')
  expect(cjs.createTokens).not.toBe(esm.createTokens) // two copies indeed
  const info = {
    type: 'user' as const,
    appId: '1234',
    userId: '42',
    scopes: [],
    granularScopes: [],
    issuedAt: null,
    expiresAt: null,
    dataAccessExpiresAt: null,
  }
  for (const [from, to] of [
    [cjs, esm],
    [esm, cjs],
  ] as const) {
    expect(to.isAccessToken(from.tokenFromInfo('EAAB0123456789abcdefghij', info))).toBe(true)
    expect(to.isTokenError(new from.TokenError('invalid_token', 'expired', { reason: 'expired' }))).toBe(true)
    expect(to.isAccessToken({ type: 'user', value: 'EAAB0123456789abcdefghij' })).toBe(false)
  }
})

it('one error family across both copies: TokensError, TokenError and GraphApiError, told apart by one brand', async () => {
  const esm = (await import('@tokens/core')) as typeof import('@tokens/core')
  const cjs = createRequire(import.meta.url)('@tokens/core') as typeof import('@tokens/core')
  for (const [from, to] of [
    [cjs, esm],
    [esm, cjs],
  ] as const) {
    const refused = new from.TokenError('token_required', 'An access token is required')
    const graph = new from.GraphApiError(400, { message: 'Invalid OAuth access token', code: 190 })
    expect(refused).toBeInstanceOf(to.TokenError)
    expect(refused).toBeInstanceOf(to.TokensError)
    expect(refused).not.toBeInstanceOf(to.GraphApiError)
    expect(graph).toBeInstanceOf(to.GraphApiError)
    expect(graph).toBeInstanceOf(to.TokensError)
    expect(graph).not.toBeInstanceOf(to.TokenError)
    expect([to.isTokensError(refused), to.isTokensError(graph), to.isTokenError(graph)]).toEqual([true, true, false])
  }
  // Looking like one is not being one: the brand is not a name or a method.
  const lookalike = Object.assign(new Error('x'), { name: 'TokenError', toResponse: () => ({}) })
  expect(lookalike).not.toBeInstanceOf(esm.TokenError)
  expect(esm.isTokensError(lookalike)).toBe(false)
  expect(new Error('plain')).not.toBeInstanceOf(esm.TokensError)
})

it('narrows reason by code, and the family by name', () => {
  const error: unknown = new TokenErrorOf('invalid_token', 'The access token has expired', { reason: 'expired' })
  if (isTokensErrorOf(error)) {
    if (error.name === 'GraphApiError') expectTypeOf(error.code).toEqualTypeOf<number>()
    else if (error.code === 'invalid_token') expectTypeOf(error.reason).toEqualTypeOf<InvalidTokenReason>()
    else expectTypeOf(error.reason).toEqualTypeOf<undefined>()
  }
  expect(isTokensErrorOf(error) && error.name === 'TokenError' && error.reason).toBe('expired')
})
