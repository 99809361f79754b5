import { afterEach, describe, expect, it } from 'vitest'
import { type CachedVerification, LruVerificationCache, type TokenError } from '../src/index.js'
import { createFixture, type Fixture, rejection } from './fixture.js'

const NOW = 1_750_000_000_000

function valid(userId: string): CachedVerification {
  return {
    outcome: 'valid',
    info: {
      type: 'user',
      appId: '1',
      userId,
      scopes: [],
      granularScopes: [],
      issuedAt: null,
      expiresAt: null,
      dataAccessExpiresAt: null,
    },
    verifiedAt: NOW,
    freshUntil: NOW + 300_000,
    keepUntil: NOW + 600_000,
  }
}

function rejected(): CachedVerification {
  return {
    outcome: 'rejected',
    reason: 'malformed',
    description: 'no',
    verifiedAt: NOW,
    freshUntil: NOW + 60_000,
    keepUntil: NOW + 60_000,
  }
}

describe('LruVerificationCache eviction: rejections never push valid verifications out', () => {
  it('a flood of rejections larger than the cache keeps every valid entry', () => {
    const cache = new LruVerificationCache({ maxEntries: 10, clock: () => NOW })
    for (let i = 0; i < 4; i++) cache.set(`valid-${i}`, valid(`${i}`))
    for (let i = 0; i < 1000; i++) cache.set(`garbage-${i}`, rejected())
    expect(cache.size).toBe(10)
    for (let i = 0; i < 4; i++) expect(cache.get(`valid-${i}`)?.outcome).toBe('valid')
    expect(cache.get('garbage-999')?.outcome).toBe('rejected') // the newest rejections are kept
    expect(cache.get('garbage-0')).toBeUndefined()
  })

  it('a new valid entry evicts the oldest rejection before any valid entry, then the least recently used', () => {
    const cache = new LruVerificationCache({ maxEntries: 3, clock: () => NOW })
    cache.set('a', valid('1'))
    cache.set('r', rejected())
    cache.set('b', valid('2'))
    cache.set('c', valid('3')) // full: the rejection goes
    expect([cache.get('r'), cache.get('a')?.outcome]).toEqual([undefined, 'valid'])
    cache.set('d', valid('4')) // no rejection left: the least recently used valid entry (b) goes
    expect(cache.get('b')).toBeUndefined()
    expect([cache.get('a'), cache.get('c'), cache.get('d')].map((e) => e?.outcome)).toEqual(['valid', 'valid', 'valid'])
  })

  it('a rejection does not stay when the cache is full of valid entries', () => {
    const cache = new LruVerificationCache({ maxEntries: 2, clock: () => NOW })
    cache.set('a', valid('1'))
    cache.set('b', valid('2'))
    cache.set('r', rejected())
    expect([cache.get('a')?.outcome, cache.get('b')?.outcome, cache.get('r')]).toEqual(['valid', 'valid', undefined])
    cache.deleteUser('1')
    cache.set('r', rejected()) // room again
    expect(cache.get('r')?.outcome).toBe('rejected')
  })
})

describe('through the core', () => {
  let f: Fixture
  afterEach(async () => {
    await f?.close()
  })

  it('a known user survives a garbage flood larger than the cache, and a later Graph outage', async () => {
    f = await createFixture({ cacheMaxEntries: 50, retries: 0 })
    const known = f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id, lifetime: 'long' })
    await f.tokens.verify(known)
    const garbage = Array.from({ length: 200 }, (_, i) => `EAA${String(i).padStart(6, '0')}GarbageGarbageGarbage`)
    for (const raw of garbage) {
      expect(((await rejection(() => f.tokens.verify(raw))) as TokenError).code).toBe('invalid_token')
    }
    f.emu.advanceTime(400) // the known user's entry is stale, kept for outages
    f.emu.setFaults({ status: 503 })
    expect((await f.tokens.verify(known)).type).toBe('user')
  })
})
