import { type Emulator, startEmulator } from '@tokens/emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FacebookLoginStrategy } from '../src/index.js'
import { loginApp, request, START, serve } from './fixture.js'

// Anyone can send a browser to the callback with `?error=…`: the dialog's errors (OAuth's and Facebook's
// own `error_code` form) are a failed login, never a 5xx of the app.
let emu: Emulator
let server: Awaited<ReturnType<typeof serve>>

beforeAll(async () => {
  emu = await startEmulator({ now: START, freezeClock: true })
  const { app, auth } = loginApp()
  server = await serve(app)
  const fbApp = emu.createApp({ name: 'Error Callbacks', redirectUris: [`${server.url}/auth/facebook/callback`] })
  for (const name of ['facebook', 'bare']) {
    const strategy = new FacebookLoginStrategy(
      {
        clientID: fbApp.id,
        clientSecret: fbApp.secret,
        callbackURL: `${server.url}/auth/${name}/callback`,
        graphUrl: emu.url,
        dialogUrl: emu.url,
      },
      (userToken, _pages, _profile, done) => done(null, { id: userToken.userId }),
    )
    auth.use(name, strategy)
  }
  app.get('/auth/facebook/callback', auth.authenticate('facebook', { failureRedirect: '/login', successRedirect: '/' }))
  // No failureRedirect: Passport answers a failed login 401 itself.
  app.get('/auth/bare/callback', auth.authenticate('bare'))
})

afterAll(async () => {
  await server?.close()
  await emu?.close()
})

const ERROR_CALLBACKS = [
  'error=access_denied&error_code=200&error_description=Permissions+error&error_reason=user_denied',
  'error=server_error&error_description=Something+broke',
  'error=temporarily_unavailable',
  'error=invalid_scope&error_description=Invalid+Scopes%3A+foo',
  'error=made_up_by_someone',
  'error=server_error&code=not-a-code',
  // Facebook's own form, without `error`.
  'error_code=1349003&error_message=Feature+Unavailable',
]

describe('facebook: every error the dialog sends back is a failed login', () => {
  it.each(ERROR_CALLBACKS)('?%s ends at failureRedirect', async (query) => {
    const answer = await request(`${server.url}/auth/facebook/callback?${query}`)
    expect(answer.status).toBe(302)
    expect(answer.headers.get('location')).toBe('/login#')
    expect(emu.requestCount('/oauth/access_token')).toBe(0)
  })

  it.each(ERROR_CALLBACKS)('?%s without failureRedirect is a 401, not a 5xx with a stack', async (query) => {
    const answer = await request(`${server.url}/auth/bare/callback?${query}`)
    expect(answer.status).toBe(401)
    expect(answer.text).not.toMatch(/Error|at |node_modules/)
  })
})
