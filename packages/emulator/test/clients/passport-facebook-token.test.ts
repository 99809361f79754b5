import type { Profile } from 'passport-facebook'
import FacebookTokenStrategy from 'passport-facebook-token'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Emulator } from '../../src/index.js'
import { startEmulator } from '../../src/index.js'
import { runStrategy } from './support.js'

let emu: Emulator
let app: { id: string; secret: string }
let ada: { id: string }
beforeEach(async () => {
  emu = await startEmulator({ now: 1_700_000_000, freezeClock: true })
  app = emu.createApp({ name: 'Token App' })
  ada = emu.createUser({
    name: 'Ada King Lovelace',
    firstName: 'Ada',
    middleName: 'King',
    lastName: 'Lovelace',
    email: 'ada@example.com',
  })
})
afterEach(() => emu.close())

/**
 * passport-facebook-token pointed at the emulator by its documented `profileURL` (and `tokenURL`,
 * `authorizationURL`), on its default version v2.6 (retired: served as the oldest available one).
 */
function strategy(verified: Profile[], profileFields?: string[]) {
  return new FacebookTokenStrategy(
    {
      clientID: app.id,
      clientSecret: app.secret,
      authorizationURL: `${emu.url}/v2.6/dialog/oauth`,
      tokenURL: `${emu.url}/v2.6/oauth/access_token`,
      profileURL: `${emu.url}/v2.6/me`,
      ...(profileFields && { profileFields }),
    },
    (_accessToken, _refreshToken, profile, done) => {
      verified.push(profile)
      done(null, { id: profile.id })
    },
  )
}

describe('passport-facebook-token 4.0.0 against the emulator', () => {
  it('verifies a token from the query, the body or an Authorization header, with appsecret_proof', async () => {
    const verified: Profile[] = []
    const facebook = strategy(verified)
    const token = emu.issueUserToken({ appId: app.id, userId: ada.id, scopes: ['email'], lifetime: 'long' })
    for (const req of [
      { query: { access_token: token }, headers: {} },
      { body: { access_token: token }, headers: {} },
      { headers: { authorization: `Bearer ${token}` } },
    ]) {
      expect(await runStrategy(facebook, req)).toMatchObject({ kind: 'success', user: { id: ada.id } })
    }
    expect(verified[0]).toMatchObject({
      provider: 'facebook',
      id: ada.id,
      displayName: 'Ada King Lovelace',
      name: { familyName: 'Lovelace', givenName: 'Ada', middleName: 'King' },
      emails: [{ value: 'ada@example.com' }],
    })
    // Its photo URL is built from graph.facebook.com, not fetched; the picture itself comes with 'photos'.
    const withPhotos: Profile[] = []
    await runStrategy(strategy(withPhotos, ['id', 'photos', 'profileUrl']), { query: { access_token: token } })
    expect(withPhotos[0]?._json).toMatchObject({ id: ada.id, picture: { data: { is_silhouette: true } } })
    expect(withPhotos[0]?._json.link).toBeUndefined()
    expect(emu.requestCount('/me')).toBe(4)
  })

  it('fails without a token, and errors with Graph code and subcode on expired and revoked tokens', async () => {
    const facebook = strategy([])
    expect(await runStrategy(facebook, { query: {}, headers: {} })).toMatchObject({
      kind: 'fail',
      challenge: { message: 'You should provide access_token' },
    })
    const graphError = async (token: string) => {
      const outcome = await runStrategy(facebook, { query: { access_token: token } })
      if (outcome.kind !== 'error') throw new Error(`expected an error, got ${outcome.kind}`)
      expect(outcome.error.name).toBe('InternalOAuthError')
      const oauthError = outcome.error.oauthError as { statusCode: number; data: string }
      expect(oauthError.statusCode).toBe(400)
      return (JSON.parse(oauthError.data) as { error: Record<string, unknown> }).error
    }
    const short = emu.issueUserToken({ appId: app.id, userId: ada.id })
    emu.advanceTime(7201)
    expect(await graphError(short)).toMatchObject({ code: 190, error_subcode: 463, type: 'OAuthException' })
    const long = emu.issueUserToken({ appId: app.id, userId: ada.id, lifetime: 'long' })
    emu.invalidateToken(long, 'logged_out')
    expect(await graphError(long)).toMatchObject({ code: 190, error_subcode: 466 })
    expect(await graphError('EAAgarbage')).toMatchObject({ code: 190 })
  })
})
