import { inspect } from 'node:util'
import { type CachedVerification, LruVerificationCache, type VerificationCache } from '@tokens/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { World } from './world.js'

/** Every surface an error offers to a logger: message, stack, causes, inspection, JSON, the HTTP answer. */
function errorSurfaces(error: unknown): string {
  const parts: string[] = [String(error), inspect(error, { depth: 10, showHidden: true })]
  let current: unknown = error
  for (let depth = 0; current instanceof Error && depth < 10; depth++) {
    parts.push(current.message, current.stack ?? '', JSON.stringify(current))
    const response = (current as { toResponse?: () => unknown }).toResponse?.()
    if (response !== undefined) parts.push(JSON.stringify(response))
    current = current.cause
  }
  return parts.join('\n')
}

/** A cache that keeps everything the core hands it, to search for raw tokens. */
class RecordingCache implements VerificationCache {
  readonly #inner = new LruVerificationCache()
  readonly written: string[] = []
  get(key: string) {
    return this.#inner.get(key)
  }
  set(key: string, entry: CachedVerification) {
    this.written.push(key, JSON.stringify(entry))
    return this.#inner.set(key, entry)
  }
  deleteUser(userId: string) {
    return this.#inner.deleteUser(userId)
  }
}

describe('no raw token or secret in errors, events, cache entries or tokens', () => {
  let w: World
  const cache = new RecordingCache()

  beforeAll(async () => {
    w = await World.start()
  })
  afterAll(async () => {
    await w.close()
  })

  it('every way verification can fail leaves no token in the error, its causes or its answer', async () => {
    // A deadline the hung call reaches, long enough that a loaded machine still answers the others in time.
    const core = w.core({ cache, timeoutMs: 1500 })
    const expired = w.emu.issueUserToken({ appId: w.app.id, userId: w.user.id, lifetime: 'short' })
    const invalidated = w.userToken()
    w.emu.invalidateToken(invalidated, 'password_changed')
    const cases: Array<{ raw: string; faults?: Parameters<typeof w.emu.setFaults>[0]; code: string }> = [
      { raw: w.userToken(w.otherApp.id), code: 'invalid_token' },
      { raw: invalidated, code: 'invalid_token' },
      { raw: `${w.otherApp.id}|${w.otherApp.secret}`, code: 'invalid_token' },
      { raw: `${w.app.id}|${w.otherApp.secret}`, code: 'invalid_token' },
      { raw: `${w.userToken()}!`, code: 'invalid_request' },
      { raw: w.userToken(), faults: { status: 503 }, code: 'graph_unavailable' },
      { raw: w.userToken(), faults: { hang: true }, code: 'graph_unavailable' },
      { raw: w.userToken(), faults: { errorCode: 4 }, code: 'graph_unavailable' },
      // Graph refusing our own app token is the server's misconfiguration, not the client's token
      { raw: w.userToken(), faults: { errorCode: 190 }, code: 'misconfigured' },
      { raw: w.userToken(), faults: { errorCode: 10 }, code: 'graph_unavailable' },
    ]
    expect((await core.verify(expired)).type).toBe('user')
    w.emu.advanceTime(3 * 3600)
    cases.push({ raw: expired, code: 'invalid_token' })
    for (const { raw, faults, code } of cases) {
      w.emu.setFaults(faults ?? null)
      const error = await core.verify(raw, { type: 'page' }).then(
        () => new Error('accepted'),
        (e: unknown) => e,
      )
      w.emu.setFaults(null)
      expect((error as { code?: string }).code).toBe(code)
      w.leaks.assertClean(errorSurfaces(error), `a ${code} error`)
    }
    // a valid token with the wrong type: insufficient_scope, same check
    const wrongType = await core.verify(w.userToken(), { type: 'page' }).catch((e: unknown) => e)
    expect((wrongType as { code?: string }).code).toBe('insufficient_scope')
    w.leaks.assertClean(errorSurfaces(wrongType), 'an insufficient_scope error')
  })

  it('verified tokens show themselves redacted everywhere but .value', async () => {
    const core = w.core({ cache })
    const raw = w.userToken()
    const token = await core.verify(raw)
    const shown = [JSON.stringify(token), String(token), `${token}`, inspect(token, { depth: 5, showHidden: true })]
    w.leaks.assertClean(shown.join('\n'), 'a shown token')
    expect(token.value).toBe(raw)
  })

  it('the cache is keyed and filled without raw tokens (a shared cache cannot leak or be matched by token)', () => {
    expect(cache.written.length).toBeGreaterThan(0)
    w.leaks.assertClean(cache.written.join('\n'), 'a cache entry')
    for (let i = 0; i < cache.written.length; i += 2) expect(cache.written[i]).toMatch(/^[0-9a-f]{64}:\d+$/)
  })

  it('events were recorded and none carries a token (checked as they arrive, and again at close)', () => {
    expect(w.events.join('\n')).toContain('"type":"verify"')
    expect(w.events.join('\n')).toContain('"type":"graph_call"')
    w.leaks.assertClean(w.events.join('\n'), 'the events')
  })
})
