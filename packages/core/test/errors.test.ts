import { describe, expect, it } from 'vitest'
import { createTokens, isTokenError, STATUS, TokenError, type TokenErrorCode } from '../src/index.js'

describe('TokenError', () => {
  it('takes its status from the one table', () => {
    const codes: TokenErrorCode[] = [
      'token_required',
      'invalid_request',
      'invalid_token',
      'insufficient_scope',
      'graph_unavailable',
    ]
    expect(codes.map((code) => new TokenError(code, 'x').status)).toEqual([401, 400, 401, 403, 503])
    expect(codes.map((code) => STATUS[code])).toEqual([401, 400, 401, 403, 503])
  })

  it('renders the RFC 6750 challenge for each code', () => {
    expect(new TokenError('token_required', 'An access token is required').headers['WWW-Authenticate']).toBe(
      'Bearer realm="api"',
    )
    expect(new TokenError('invalid_request', 'Bad header', { realm: 'shop' }).headers['WWW-Authenticate']).toBe(
      'Bearer realm="shop", error="invalid_request", error_description="Bad header"',
    )
    const invalid = new TokenError('invalid_token', 'The access token has expired', { reason: 'expired' })
    expect(invalid.headers['WWW-Authenticate']).toBe(
      'Bearer realm="api", error="invalid_token", error_description="The access token has expired"',
    )
    const scope = new TokenError('insufficient_scope', 'Missing scope', { scopes: ['pages_manage_posts', 'email'] })
    expect(scope.headers['WWW-Authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="Missing scope", scope="pages_manage_posts email"',
    )
  })

  it('applies the realm once, when the response is rendered; a realm of its own wins', async () => {
    const error = new TokenError('token_required', 'An access token is required')
    expect(error.realm).toBeUndefined()
    expect(error.toResponse('shop').headers['WWW-Authenticate']).toBe('Bearer realm="shop"')
    expect(error.toResponse().headers['WWW-Authenticate']).toBe('Bearer realm="api"')
    const own = new TokenError('token_required', 'Admins only', { realm: 'admin' })
    expect(own.toResponse('shop').headers['WWW-Authenticate']).toBe('Bearer realm="admin"')
    const tokens = createTokens({ appId: '1234', appSecret: 'app-secret-value', realm: 'shop' })
    const refused: TokenError = await tokens.verify('').then(
      () => expect.fail('an empty token was accepted'),
      (e: unknown) => e as TokenError,
    )
    expect(refused.realm).toBeUndefined()
    expect(refused.toResponse(tokens.realm).headers['WWW-Authenticate']).toBe('Bearer realm="shop"')
    await tokens.close()
  })

  it('answers graph_unavailable with Retry-After and no challenge', () => {
    const error = new TokenError('graph_unavailable', 'Graph is down', { retryAfterSeconds: 42 })
    expect(error.headers).toEqual({ 'Cache-Control': 'no-store', 'Retry-After': '42' })
    expect(new TokenError('graph_unavailable', 'down').headers['Retry-After']).toBe('5')
  })

  it('quotes descriptions so the header stays well-formed', () => {
    const error = new TokenError('invalid_request', 'a "quoted" \\ thing\n')
    expect(error.headers['WWW-Authenticate']).toBe(
      'Bearer realm="api", error="invalid_request", error_description="a \\"quoted\\" \\\\ thing?"',
    )
  })

  it('gives the JSON body, with reason only for invalid_token', () => {
    expect(new TokenError('invalid_token', 'gone', { reason: 'app_not_installed' }).toResponse()).toEqual({
      status: 401,
      headers: {
        'Cache-Control': 'no-store',
        'WWW-Authenticate': 'Bearer realm="api", error="invalid_token", error_description="gone"',
      },
      body: { error: 'invalid_token', error_description: 'gone', reason: 'app_not_installed' },
    })
    expect(new TokenError('insufficient_scope', 'no', { reason: 'expired' }).toResponse().body).toEqual({
      error: 'insufficient_scope',
      error_description: 'no',
    })
    expect(JSON.parse(JSON.stringify(new TokenError('token_required', 'need one')))).toEqual({
      error: 'token_required',
      error_description: 'need one',
    })
  })

  it('is recognised by isTokenError', () => {
    expect(isTokenError(new TokenError('invalid_token', 'x'))).toBe(true)
    expect(isTokenError(new Error('x'))).toBe(false)
    expect(isTokenError({ name: 'TokenError' })).toBe(false)
  })
})
