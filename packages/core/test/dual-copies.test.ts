import { createRequire } from 'node:module'
import { expect, it } from 'vitest'

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
