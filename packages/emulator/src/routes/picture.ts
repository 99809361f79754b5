import { type GraphRequest, type GraphResult, json } from '../context.js'
import { unsupportedMethod } from '../graph-errors.js'
import { pictureData, pictureSize } from '../picture.js'

/**
 * `GET /{id}/picture`: a 302 redirect to the image (`type`, `width`, `height` choose the size), or with
 * `redirect=0` (or `false`) the picture object `{data: {height, width, is_silhouette, url}}`.
 */
export function picture(req: GraphRequest, seeded: string | undefined): GraphResult {
  if (req.method !== 'GET') throw unsupportedMethod(req.method)
  const data = pictureData(
    seeded,
    req.origin,
    pictureSize((name) => req.params.get(name)),
  )
  const redirect = req.params.get('redirect')
  if (redirect === '0' || redirect === 'false') return json({ data })
  return { kind: 'redirect', location: data.url, contentType: 'image/jpeg' }
}
