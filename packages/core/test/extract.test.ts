import { describe, expect, it } from 'vitest'
import { extractToken, type RequestLike, TokenError } from '../src/index.js'

function rejects(req: RequestLike, options?: Parameters<typeof extractToken>[1]): TokenError {
  try {
    extractToken(req, options)
  } catch (error) {
    expect(error).toBeInstanceOf(TokenError)
    return error as TokenError
  }
  throw new Error('expected a rejection')
}

const token = 'EAAGm0PX4ZCpsBAKZBZCv2h7xZAbc123'

describe('extractToken', () => {
  it('reads a bearer token, whatever the case of the scheme', () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      expect(extractToken({ headers: { authorization: `${scheme} ${token}` } })).toBe(token)
    }
    expect(extractToken({ headers: { authorization: `Bearer   ${token}  ` } })).toBe(token)
  })

  it('reads `Bearer <token>` exactly as any other spelling of the header (whose padding it ignores)', () => {
    // A padded header never takes the short path for `Bearer <token>`, and padding changes nothing.
    const outcome = (authorization: string) => {
      try {
        return extractToken({ headers: { authorization } })
      } catch (error) {
        return `${(error as TokenError).code}: ${(error as TokenError).message}`
      }
    }
    const headers = [
      `Bearer ${token}`,
      'Bearer a',
      'Bearer a b',
      'Bearer  abc',
      'Bearer abc ',
      'Bearer \tabc',
      'Bearer abc\n',
      'Bearer abc\u00a0',
      'Bearer \u00a0abc',
      'Bearer abc\u2028',
      'Bearer ä',
      'Bearer =abc',
      'Bearer abc==',
      'Bearer\tabc',
      'Bearerabc',
      'Bearer ',
    ]
    for (const header of headers) expect(outcome(header), header).toBe(outcome(` ${header} `))
    expect(outcome('Bearer abc\u00a0')).toBe('abc')
  })

  it('finds no token when there is none, or another scheme', () => {
    expect(extractToken({ headers: {} })).toBeUndefined()
    expect(extractToken({ headers: { authorization: 'Basic dXNlcjpwYXNz' } })).toBeUndefined()
    expect(extractToken({ headers: { authorization: 'Bearerish abc' } })).toBeUndefined()
  })

  it('accepts app tokens with their bar and base64 padding', () => {
    expect(extractToken({ headers: { authorization: 'Bearer 1234567890|abcdef0123456789' } })).toBe(
      '1234567890|abcdef0123456789',
    )
    expect(extractToken({ headers: { authorization: 'Bearer abc+/def==' } })).toBe('abc+/def==')
  })

  it('refuses malformed headers as invalid_request', () => {
    for (const header of [
      'Bearer',
      'Bearer ',
      'Bearer a b',
      'Bearer tok"en',
      'Bearer tok,en',
      'Bearer =abc',
      'Bearer ä',
    ]) {
      const error = rejects({ headers: { authorization: header } })
      expect(error.code).toBe('invalid_request')
      expect(error.status).toBe(400)
    }
  })

  it('refuses two Authorization headers', () => {
    expect(rejects({ headers: { authorization: [`Bearer ${token}`, `Bearer ${token}`] } }).code).toBe('invalid_request')
  })

  it('ignores the query, body and cookies unless enabled', () => {
    const req = {
      headers: { cookie: `fb=${token}` },
      query: { access_token: token },
      body: { access_token: token },
    }
    expect(extractToken(req)).toBeUndefined()
    expect(extractToken(req, { sources: { query: true } })).toBe(token)
    const form = { ...req, headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' }, query: {} }
    expect(extractToken(form, { sources: { body: true } })).toBe(token)
    expect(extractToken({ headers: req.headers }, { sources: { cookie: 'fb' } })).toBe(token)
    expect(extractToken({ headers: {}, cookies: { fb: token } }, { sources: { cookie: 'fb' } })).toBe(token)
  })

  it('refuses a token sent by two methods', () => {
    const error = rejects(
      { headers: { authorization: `Bearer ${token}` }, query: { access_token: token } },
      { sources: { query: true } },
    )
    expect(error.code).toBe('invalid_request')
    expect(error.message).toMatch(/more than one method/)
  })

  it('refuses repeated or non-string query values', () => {
    expect(rejects({ headers: {}, query: { access_token: [token, token] } }, { sources: { query: true } }).code).toBe(
      'invalid_request',
    )
    const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' }
    expect(rejects({ headers: formHeaders, body: { access_token: { a: 1 } } }, { sources: { body: true } }).code).toBe(
      'invalid_request',
    )
  })

  it('reads the body only when it is form-encoded (RFC 6750 §2.2), whatever the parsed body holds', () => {
    const body = { access_token: token }
    const sources = { body: true }
    for (const type of ['application/x-www-form-urlencoded', 'Application/X-WWW-Form-Urlencoded;charset=utf-8']) {
      expect(extractToken({ headers: { 'content-type': type }, body }, { sources })).toBe(token)
    }
    for (const headers of [
      { 'content-type': 'application/json' },
      { 'content-type': 'multipart/form-data; boundary=x' },
      {},
    ]) {
      expect(extractToken({ headers, body }, { sources })).toBeUndefined()
    }
  })

  it('refuses oversized tokens before anything else', () => {
    const long = 'A'.repeat(8193)
    expect(rejects({ headers: { authorization: `Bearer ${long}` } }).message).toMatch(/longer than 8192/)
    expect(extractToken({ headers: { authorization: `Bearer ${'A'.repeat(8192)}` } })).toHaveLength(8192)
    expect(rejects({ headers: { authorization: 'Bearer AAAAAAAAAAA' } }, { maxTokenLength: 10 }).code).toBe(
      'invalid_request',
    )
  })

  it('never repeats the token in its error messages', () => {
    const secret = `${token}"`
    const error = rejects({ headers: { authorization: `Bearer ${secret}` } })
    expect(error.message).not.toContain(token)
    expect(JSON.stringify(error.toResponse())).not.toContain(token)
  })
})
