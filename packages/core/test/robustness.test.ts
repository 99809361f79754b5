import { createRequire } from 'node:module'
import { afterEach, describe, expect, it } from 'vitest'
import { type DataDeletionOptions, GraphApiError, TokenError } from '../src/index.js'
import { createFixture, type Fixture, rejection } from './fixture.js'

let f: Fixture
afterEach(async () => {
  await f?.close()
})

describe('errors across copies of the package', () => {
  it('recognises a TokenError of the CommonJS build with instanceof', () => {
    const cjs = createRequire(import.meta.url)('../dist/index.cjs') as { TokenError: typeof TokenError }
    expect(cjs.TokenError).not.toBe(TokenError)
    const other = new cjs.TokenError('invalid_token', 'x')
    expect(other instanceof TokenError).toBe(true)
    expect(new TokenError('invalid_token', 'x') instanceof cjs.TokenError).toBe(true)
    expect(new Error('x') instanceof TokenError).toBe(false)
  })
})

describe('acquisition during an outage', () => {
  it('answers graph_unavailable, not Graph status codes', async () => {
    f = await createFixture({ retries: 0 })
    const user = await f.tokens.verify(
      f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id, scopes: ['pages_show_list'], lifetime: 'long' }),
      { type: 'user' },
    )
    for (const faults of [{ status: 500 }, { errorCode: 4 }]) {
      f.emu.setFaults(faults)
      for (const call of [
        () => f.tokens.pageTokens(user),
        () => f.tokens.pageToken(user, f.pages[0]!.id),
        () => f.tokens.exchangeForLongLived(user),
      ]) {
        const error = (await rejection(call)) as TokenError
        expect(error).toBeInstanceOf(TokenError)
        expect(error.code).toBe('graph_unavailable')
        expect(error.cause).toBeInstanceOf(GraphApiError)
      }
    }
  })

  it('keeps Graph HTTP status off the error Express would send', async () => {
    f = await createFixture()
    const error = (await rejection(() => f.tokens.graph.get('/me', { token: 'EAAnotatokennotatokennotatoken' }))) as
      | GraphApiError
      | undefined
    expect(error).toBeInstanceOf(GraphApiError)
    expect(error?.httpStatus).toBe(400)
    expect('status' in (error as object)).toBe(false)
  })
})

describe('callbacks that fail', () => {
  it('lets Meta retry a data deletion whose handler failed, and refuses it once done', async () => {
    f = await createFixture()
    const signed = f.emu.signedRequest(f.app.id, { user_id: f.user.id })
    let attempts = 0
    const options = {
      statusUrl: 'https://example.com/status',
      onDelete: () => {
        attempts++
        if (attempts === 1) throw new Error('database down')
      },
    }
    expect(String(await rejection(() => f.tokens.dataDeletion(signed, options)))).toMatch(/database down/)
    expect((await f.tokens.dataDeletion(signed, options)).confirmation_code).toMatch(/^[a-z0-9]+$/)
    expect(((await rejection(() => f.tokens.dataDeletion(signed, options))) as TokenError).code).toBe('invalid_request')
    expect(attempts).toBe(2)
  })

  it('refuses data deletion options that would confirm a deletion nobody made, before any handling', async () => {
    f = await createFixture()
    const signed = f.emu.signedRequest(f.app.id, { user_id: f.user.id })
    const withoutOnDelete = { statusUrl: 'https://example.com/status' } as unknown as DataDeletionOptions
    const error = await rejection(() => f.tokens.dataDeletion(signed, withoutOnDelete))
    expect(error).toBeInstanceOf(TypeError)
    expect((error as Error).message).toBe("dataDeletion(): option 'onDelete' must be a function")
    // Nothing was used up: the same signed_request is still handled once options are right.
    const answer = await f.tokens.dataDeletion(signed, { ...withoutOnDelete, onDelete: () => {} })
    expect(answer.url).toBe(`https://example.com/status?id=${answer.confirmation_code}`)
  })
})

describe('caller mistakes', () => {
  it('throws TypeError for a request without headers instead of hiding it as a 503', async () => {
    f = await createFixture()
    await expect(f.tokens.authenticate({} as never)).rejects.toBeInstanceOf(TypeError)
    await expect(f.tokens.authenticate(null as never)).rejects.toBeInstanceOf(TypeError)
  })
})

describe('revocation when the cache fails', () => {
  it('still deletes the stored tokens, reports the failure, and lets the callback be retried', async () => {
    const { LruVerificationCache, MemoryStore } = await import('../src/index.js')
    const store = new MemoryStore()
    let failing = true
    class FlakyCache extends LruVerificationCache {
      override deleteUser(userId: string): void {
        if (failing) throw new Error('cache unreachable')
        super.deleteUser(userId)
      }
    }
    f = await createFixture({ store, cache: new FlakyCache() })
    const short = await f.tokens.verify(
      f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id, lifetime: 'short' }),
      { type: 'user' },
    )
    await f.tokens.exchangeForLongLived(short)
    const signed = f.emu.signedRequest(f.app.id, { user_id: f.user.id })
    expect(String(await rejection(() => f.tokens.deauthorize(signed)))).toMatch(/cache unreachable/)
    expect(await store.findUserToken(f.app.id, f.user.id)).toBeUndefined()
    expect(f.events).toContainEqual({ type: 'error', where: 'cache', message: 'cache unreachable' })
    failing = false
    expect((await f.tokens.deauthorize(signed)).user_id).toBe(f.user.id)
    expect(f.events).toContainEqual(expect.objectContaining({ type: 'revoke' }))
  })
})

describe('HTTPS', () => {
  it('refuses a token on an insecure request before any Graph call, and ignores a request without one', async () => {
    f = await createFixture()
    const raw = f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id, lifetime: 'long' })
    const req = { headers: { authorization: `Bearer ${raw}` } }
    const error = (await rejection(() => f.tokens.authenticate(req, { secure: false }))) as TokenError
    expect(error.toResponse().body).toEqual({
      error: 'invalid_request',
      error_description: 'Access tokens must be sent over HTTPS',
    })
    expect(f.emu.requestCount('/debug_token')).toBe(0)
    expect(await f.tokens.authenticate({ headers: {} }, { secure: false })).toBeUndefined()
    expect((await f.tokens.authenticate(req, { secure: true }))?.type).toBe('user')
  })
})

describe('tryAuthenticate', () => {
  it('answers at once for no token, a cached token and a local rejection; a promise only for Graph', async () => {
    f = await createFixture()
    const raw = f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id, lifetime: 'long' })
    const req = { headers: { authorization: `Bearer ${raw}` } }
    expect(f.tokens.tryAuthenticate({ headers: {} })).toBeUndefined()
    const first = f.tokens.tryAuthenticate(req, { type: 'user' })
    expect(first).toBeInstanceOf(Promise)
    expect((await first)?.type).toBe('user')
    const second = f.tokens.tryAuthenticate(req, { type: 'user' })
    expect(second).not.toBeInstanceOf(Promise)
    expect((second as { userId: string }).userId).toBe(f.user.id)
    expect(() => f.tokens.tryAuthenticate(req, { type: 'page' })).toThrow(TokenError)
    expect(() => f.tokens.tryAuthenticate({ headers: { authorization: 'Bearer a"b' } })).toThrow(TokenError)
    expect(() => f.tokens.tryAuthenticate({ headers: {} }, { required: true })).toThrow(TokenError)
    expect(f.emu.requestCount('/debug_token')).toBe(1)
  })
})
