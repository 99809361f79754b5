import type { FieldSpec } from './field-expansion.js'
import { selectObject } from './fields.js'

/** The path under which the emulator serves its silhouette image (no Graph auth, not counted). */
export const SILHOUETTE_PATH = '/__emulator/silhouette.png'

/** A 1×1 grey PNG: the silhouette every size is answered with. */
export const SILHOUETTE_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGM4AQAAygDJmcpdfgAAAABJRU5ErkJggg==',
  'base64',
)

const TYPES: Record<string, number> = { small: 50, square: 50, normal: 100, large: 200, album: 200 }
const DEFAULT_SIZE = 50
const MAX_SIZE = 2048

function dimension(raw: string | null | undefined): number | undefined {
  if (raw === null || raw === undefined || !/^\d{1,5}$/.test(raw.trim())) return undefined
  const value = Number(raw)
  return value >= 1 ? Math.min(value, MAX_SIZE) : undefined
}

/**
 * The size a picture is asked for: `width`/`height` (one alone is used for both, the image being
 * square), else `type` (`small`/`square` 50, `normal` 100, `large`/`album` 200), else 50×50.
 */
export function pictureSize(get: (name: string) => string | null | undefined): { width: number; height: number } {
  const width = dimension(get('width'))
  const height = dimension(get('height'))
  if (width !== undefined || height !== undefined) {
    return { width: width ?? height ?? DEFAULT_SIZE, height: height ?? width ?? DEFAULT_SIZE }
  }
  const type = get('type')
  const side = (type && Object.hasOwn(TYPES, type) ? TYPES[type] : undefined) ?? DEFAULT_SIZE
  return { width: side, height: side }
}

/** The picture object of Graph: `{ height, width, is_silhouette, url }`. */
export interface PictureData {
  height: number
  width: number
  is_silhouette: boolean
  url: string
}

/** A profile picture: the seeded image, or the emulator's silhouette (served on the host the client called). */
export function pictureData(
  seeded: string | undefined,
  origin: string,
  size: { width: number; height: number },
): PictureData {
  if (seeded !== undefined) return { height: size.height, width: size.width, is_silhouette: false, url: seeded }
  const url = `${origin}${SILHOUETTE_PATH}?width=${size.width}&height=${size.height}`
  return { height: size.height, width: size.width, is_silhouette: true, url }
}

const PICTURE_FIELDS = ['height', 'width', 'is_silhouette', 'url', 'cache_key']

/** The `picture` field: `{data: {…}}`, sized by its modifiers (`picture.type(large)`), `{url,…}` selecting. */
export function pictureField(seeded: string | undefined, origin: string, spec: FieldSpec): { data: unknown } {
  const data = pictureData(
    seeded,
    origin,
    pictureSize((name) => spec.modifiers.get(name)),
  )
  return { data: selectObject({ ...data }, spec, PICTURE_FIELDS, 'ProfilePictureSource') }
}
