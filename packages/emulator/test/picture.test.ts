import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createFixture } from './fixture.js'

let f: Awaited<ReturnType<typeof createFixture>>
beforeEach(async () => {
  f = await createFixture()
})
afterEach(() => f.emu.close())

const userToken = () => f.emu.issueUserToken({ appId: f.app.id, userId: f.user.id, lifetime: 'long' })

describe('GET /{id}/picture', () => {
  it('redirects (302) to the seeded image', async () => {
    f.emu.updateUser(f.user.id, { pictureUrl: 'https://cdn.example.com/ada.jpg' })
    const token = userToken()
    const res = await fetch(`${f.emu.url}/v25.0/me/picture?access_token=${token}&appsecret_proof=${f.proof(token)}`, {
      redirect: 'manual',
    })
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe('https://cdn.example.com/ada.jpg')
    expect(res.headers.get('content-type')).toBe('image/jpeg')
  })

  it('answers the picture object with redirect=0 or false, sized by type, width and height', async () => {
    const token = userToken()
    const cases: Array<[Record<string, string>, number, number]> = [
      [{}, 50, 50],
      [{ type: 'small' }, 50, 50],
      [{ type: 'normal' }, 100, 100],
      [{ type: 'large' }, 200, 200],
      [{ type: 'square' }, 50, 50],
      [{ width: '120' }, 120, 120],
      [{ width: '120', height: '90' }, 120, 90],
      [{ type: 'large', height: '64' }, 64, 64],
    ]
    for (const [params, width, height] of cases) {
      for (const redirect of ['0', 'false']) {
        const res = await f.get('/me/picture', { ...params, redirect }, token)
        expect(res.status).toBe(200)
        expect(res.json).toEqual({
          data: {
            height,
            width,
            is_silhouette: true,
            url: `${f.emu.url}/__emulator/silhouette.png?width=${width}&height=${height}`,
          },
        })
      }
    }
  })

  it('serves the silhouette, and answers for Pages too', async () => {
    const token = userToken()
    const page = f.pages[0]?.id ?? ''
    const res = await f.get(`/${page}/picture`, { redirect: 'false', type: 'normal' }, token)
    const url = String(res.json.data?.url)
    const image = await fetch(url)
    expect(image.status).toBe(200)
    expect(image.headers.get('content-type')).toBe('image/png')
    expect(
      Buffer.from(await image.arrayBuffer())
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG')
    f.emu.updatePage(page, { pictureUrl: 'https://cdn.example.com/bakery.png' })
    const seeded = await f.get(`/${page}/picture`, { redirect: '0' }, token)
    expect(seeded.json.data).toMatchObject({ is_silhouette: false, url: 'https://cdn.example.com/bakery.png' })
  })

  it('needs a token, like every node', async () => {
    const res = await f.get(`/${f.user.id}/picture`)
    expect(res.json.error?.code).toBe(104)
  })
})
