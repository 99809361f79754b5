import { describe, expect, it } from 'vitest'
import { createTokens, LruVerificationCache, MemoryStore } from '../src/index.js'

const good = { appId: '123', appSecret: 'abcdef0123456789' }

/** What `createTokens` throws for `options`: a TypeError message, or undefined when it accepts them. */
function refusal(options: Record<string, unknown>): string | undefined {
  try {
    createTokens({ ...good, ...options } as never)
    return undefined
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError)
    return (error as Error).message
  }
}

describe('createTokens options beyond the basics', () => {
  it('refuses tokenSources it would silently ignore, naming the source', () => {
    expect(refusal({ tokenSources: 5 })).toMatch(/'tokenSources' must be an object/)
    expect(refusal({ tokenSources: 'query' })).toMatch(/'tokenSources' must be an object/)
    expect(refusal({ tokenSources: { querry: true } })).toMatch(/'tokenSources' has no source 'querry'/)
    expect(refusal({ tokenSources: { query: 'yes' } })).toMatch(/'tokenSources' \.query must be a boolean/)
    expect(refusal({ tokenSources: { cookie: 5 } })).toMatch(/'tokenSources' \.cookie must be a cookie name or false/)
    expect(refusal({ tokenSources: { cookie: '' } })).toMatch(/cookie name/)
    expect(refusal({ tokenSources: { header: true, query: true, body: false, cookie: 'session' } })).toBeUndefined()
    expect(refusal({ tokenSources: { cookie: false } })).toBeUndefined()
  })

  it('refuses a cache or store without the methods the core calls, at startup rather than at first use', () => {
    expect(refusal({ cache: {} })).toMatch(/'cache' must be a VerificationCache \(missing: get, set, deleteUser\)/)
    expect(refusal({ cache: { get() {}, set() {} } })).toMatch(/missing: deleteUser/)
    expect(refusal({ store: 'sqlite' })).toMatch(/'store' must be a TokenStore/)
    expect(refusal({ store: { save() {} } })).toMatch(
      /missing: findUserToken, findPageToken, listPageTokens, deleteUser/,
    )
    expect(refusal({ cache: new LruVerificationCache(), store: new MemoryStore() })).toBeUndefined()
  })

  it('names every other mistyped option', () => {
    expect(refusal({ fetch: 'fetch' })).toMatch(/'fetch'/)
    expect(refusal({ onEvent: {} })).toMatch(/'onEvent'/)
    expect(refusal({ staleOnOutageSeconds: -1 })).toMatch(/'staleOnOutageSeconds'/)
    expect(refusal({ maxTokenLength: 8 })).toMatch(/'maxTokenLength'/)
    expect(refusal({ clientToken: 'short' })).toMatch(/'clientToken'/)
    expect(refusal({ maxVerificationsPerMinute: 0.5 })).toMatch(/'maxVerificationsPerMinute'/)
    expect(refusal({ realm: 'a\nb' })).toMatch(/'realm'/)
  })
})
