import { describe, expect, it } from 'vitest'
import { onIssuedSecret, startEmulator } from '../src/index.js'

describe('onIssuedSecret', () => {
  it('reports every token, secret and code an emulator issues, until the listener is removed', async () => {
    const issued = new Set<string>()
    const stop = onIssuedSecret((secret) => issued.add(secret))
    const emu = await startEmulator({ freezeClock: true })
    try {
      const app = emu.createApp({ redirectUris: ['http://localhost:3000/cb'] })
      const fixed = emu.createApp({ secret: 'fixedsecret0123456789', clientToken: 'fixedclient0123456789' })
      const user = emu.createUser()
      const page = emu.createPage({ name: 'P', admins: [user.id] })
      const userToken = emu.issueUserToken({ appId: app.id, userId: user.id, scopes: ['pages_show_list'] })
      const pageToken = emu.issuePageToken({ appId: app.id, userId: user.id, pageId: page.id })
      const systemToken = emu.issueSystemUserToken({ appId: app.id, userId: user.id })
      for (const value of [app.secret, app.clientToken, emu.appToken(app.id), userToken, pageToken, systemToken]) {
        expect(issued.has(value)).toBe(true)
      }
      expect(issued.has(fixed.secret) && issued.has(fixed.clientToken)).toBe(true)

      // Tokens issued over HTTP are reported too (client_credentials, then a long-lived exchange).
      const credentials = new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: app.id,
        client_secret: app.secret,
      })
      const appAnswer = (await (await fetch(`${emu.url}/oauth/access_token?${credentials}`)).json()) as {
        access_token: string
      }
      expect(issued.has(appAnswer.access_token)).toBe(true)
      const exchange = new URLSearchParams({
        grant_type: 'fb_exchange_token',
        client_id: app.id,
        client_secret: app.secret,
        fb_exchange_token: userToken,
      })
      const longAnswer = (await (await fetch(`${emu.url}/oauth/access_token?${exchange}`)).json()) as {
        access_token: string
      }
      expect(issued.has(longAnswer.access_token)).toBe(true)

      stop()
      const after = emu.issueUserToken({ appId: app.id, userId: user.id })
      expect(issued.has(after)).toBe(false)
    } finally {
      stop()
      await emu.close()
    }
  })

  it('a throwing listener does not break issuance', async () => {
    const stop = onIssuedSecret(() => {
      throw new Error('broken listener')
    })
    const emu = await startEmulator({ freezeClock: true })
    try {
      const app = emu.createApp()
      const user = emu.createUser()
      expect(emu.issueUserToken({ appId: app.id, userId: user.id })).toMatch(/^EAA/)
    } finally {
      stop()
      await emu.close()
    }
  })

  it('refuses a listener that is not a function', () => {
    expect(() => onIssuedSecret('nope' as unknown as () => void)).toThrow(TypeError)
  })
})
