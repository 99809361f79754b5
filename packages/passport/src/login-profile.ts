import type { Profile } from 'passport-facebook'

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

/**
 * passport-facebook's normalized `Profile` of a `/me` answer: `id`, `username`, `displayName`,
 * `name`, `gender`, `profileUrl`, `emails` and `photos`, with the raw answer as `_json` and `_raw`.
 */
export function profileOf(json: Record<string, unknown>): Profile {
  const picture = json.picture as { data?: { url?: unknown } } | string | undefined
  const photo = typeof picture === 'object' ? text(picture?.data?.url) : text(picture)
  const email = text(json.email)
  const profile = {
    provider: 'facebook',
    id: text(json.id) ?? '',
    username: text(json.username),
    displayName: text(json.name) ?? '',
    name: { familyName: text(json.last_name), givenName: text(json.first_name), middleName: text(json.middle_name) },
    gender: text(json.gender),
    profileUrl: text(json.link),
    ...(email === undefined ? {} : { emails: [{ value: email }] }),
    ...(photo === undefined ? {} : { photos: [{ value: photo }] }),
    _raw: JSON.stringify(json),
    _json: json,
  }
  return profile as Profile
}
