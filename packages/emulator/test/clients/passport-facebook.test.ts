import { Strategy as FacebookStrategy, type Profile } from 'passport-facebook'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Emulator } from '../../src/index.js'
import { startEmulator } from '../../src/index.js'
import { consent, runStrategy } from './support.js'

const CALLBACK = 'http://localhost:3000/auth/facebook/callback'

let emu: Emulator
let app: { id: string; secret: string }
let ada: { id: string }
beforeEach(async () => {
  emu = await startEmulator({ now: 1_700_000_000, freezeClock: true })
  app = emu.createApp({ name: 'Passport App', redirectUris: [CALLBACK] })
  ada = emu.createUser({
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    pictureUrl: 'https://cdn.example.com/ada.jpg',
    link: 'https://www.facebook.com/ada',
    gender: 'female',
  })
})
afterEach(() => emu.close())

/**
 * passport-facebook pointed at the emulator by its documented options: `authorizationURL`, `tokenURL` and
 * `profileURL`, on the version it defaults to (v3.2, retired: the emulator serves it as the oldest one).
 */
function strategy(profileFields: string[] | undefined, verified: Array<{ token: string; profile: Profile }>) {
  return new FacebookStrategy(
    {
      clientID: app.id,
      clientSecret: app.secret,
      callbackURL: CALLBACK,
      authorizationURL: `${emu.url}/v3.2/dialog/oauth`,
      tokenURL: `${emu.url}/v3.2/oauth/access_token`,
      profileURL: `${emu.url}/v3.2/me`,
      enableProof: true,
      ...(profileFields && { profileFields }),
    },
    (accessToken, _refreshToken, profile, done) => {
      verified.push({ token: accessToken, profile })
      done(null, { id: profile.id })
    },
  )
}

describe('passport-facebook 3.0.0 against the emulator', () => {
  it("logs in through the dialog and the code exchange, with its README's profileFields and profileUrl", async () => {
    const verified: Array<{ token: string; profile: Profile }> = []
    const facebook = strategy(['id', 'displayName', 'photos', 'email', 'profileUrl', 'name', 'gender'], verified)
    const start = await runStrategy(
      facebook,
      { query: {}, headers: {} },
      { scope: ['email', 'user_link', 'user_gender'] },
    )
    expect(start.kind).toBe('redirect')
    const dialog = start.kind === 'redirect' ? start.url : ''
    expect(dialog.startsWith(`${emu.url}/v3.2/dialog/oauth?`)).toBe(true)
    const back = await consent(dialog, ada.id)
    expect(`${back.origin}${back.pathname}`).toBe(CALLBACK)
    const code = back.searchParams.get('code') ?? ''
    const done = await runStrategy(facebook, { query: { code }, headers: {} })
    expect(done).toMatchObject({ kind: 'success', user: { id: ada.id } })
    const profile = verified[0]?.profile
    expect(profile).toMatchObject({
      provider: 'facebook',
      id: ada.id,
      displayName: 'Ada Lovelace',
      name: { familyName: 'Lovelace', givenName: 'Ada' },
      gender: 'female',
      profileUrl: 'https://www.facebook.com/ada',
      emails: [{ value: 'ada@example.com' }],
      photos: [{ value: 'https://cdn.example.com/ada.jpg' }],
    })
    expect(emu.requestCount('/oauth/access_token')).toBe(1)
    // The code is single-use: the strategy reports Graph's error.
    const again = await runStrategy(facebook, { query: { code }, headers: {} })
    expect(again.kind).toBe('error')
    expect(again.kind === 'error' && again.error).toMatchObject({
      name: 'FacebookTokenError',
      code: 100,
      subcode: 36009,
    })
  })

  it('leaves out what the user declined instead of failing the login', async () => {
    const verified: Array<{ token: string; profile: Profile }> = []
    const facebook = strategy(['id', 'displayName', 'photos', 'email', 'profileUrl'], verified)
    const start = await runStrategy(facebook, { query: {}, headers: {} }, { scope: ['email', 'user_link'] })
    const back = await consent(start.kind === 'redirect' ? start.url : '', ada.id, [])
    const done = await runStrategy(facebook, { query: { code: back.searchParams.get('code') }, headers: {} })
    expect(done.kind).toBe('success')
    const profile = verified[0]?.profile
    expect(profile?.emails).toBeUndefined()
    expect(profile?.profileUrl).toBeUndefined()
    expect(profile?.photos?.[0]?.value).toBe('https://cdn.example.com/ada.jpg')
  })

  it('reports expired and revoked tokens as FacebookGraphAPIError with Graph code and subcode', async () => {
    const facebook = strategy(undefined, [])
    const profileOf = (token: string) =>
      new Promise<(Error & Record<string, unknown>) | null>((resolve) => facebook.userProfile(token, (e) => resolve(e)))
    const short = emu.issueUserToken({ appId: app.id, userId: ada.id })
    expect(await profileOf(short)).toBeNull()
    emu.advanceTime(7201)
    expect(await profileOf(short)).toMatchObject({ name: 'FacebookGraphAPIError', code: 190, subcode: 463 })
    const long = emu.issueUserToken({ appId: app.id, userId: ada.id, lifetime: 'long' })
    emu.removeApp(ada.id, app.id)
    expect(await profileOf(long)).toMatchObject({ name: 'FacebookGraphAPIError', code: 190, subcode: 458 })
    const unknownField = strategy(['id', 'username'], [])
    const fresh = emu.issueUserToken({ appId: app.id, userId: ada.id, lifetime: 'long' })
    const refused = await new Promise<unknown>((resolve) => unknownField.userProfile(fresh, (e) => resolve(e)))
    expect(refused).toMatchObject({
      code: 100,
      message: '(#100) Tried accessing nonexisting field (username) on node type (User)',
    })
  })
})
