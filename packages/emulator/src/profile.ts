import type { PageFields, PageUpdate, UserProfile } from './types.js'

/** A user's profile as the emulator keeps it: {@link UserProfile} without `name`, checked. */
export type StoredProfile = Omit<UserProfile, 'name'>

/** A Page's fields as the emulator keeps them, checked. */
export type StoredPageFields = PageFields

type Input = Record<string, unknown>

function text(where: string, name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string') throw new TypeError(`${where}: ${name} must be a string`)
  return value
}

function url(where: string, name: string, value: unknown): string | undefined {
  const given = text(where, name, value)
  if (given === undefined) return undefined
  let parsed: URL
  try {
    parsed = new URL(given)
  } catch {
    throw new TypeError(`${where}: ${name} must be an absolute http(s) URL, got '${given}'`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TypeError(`${where}: ${name} must be an absolute http(s) URL, got '${given}'`)
  }
  return given
}

function place(where: string, name: string, value: unknown): { id?: string; name: string } | undefined {
  if (value === undefined) return undefined
  const given = value as Input
  if (value === null || typeof value !== 'object' || typeof given.name !== 'string') {
    throw new TypeError(`${where}: ${name} must be { id?, name }`)
  }
  const id = text(where, `${name}.id`, given.id)
  if (id !== undefined && !/^\d+$/.test(id)) throw new TypeError(`${where}: ${name}.id must be numeric`)
  return id === undefined ? { name: given.name } : { id, name: given.name }
}

function ageRange(where: string, value: unknown): { min?: number; max?: number } | undefined {
  if (value === undefined) return undefined
  const given = (value ?? {}) as Input
  const out: { min?: number; max?: number } = {}
  for (const bound of ['min', 'max'] as const) {
    const n = given[bound]
    if (n === undefined) continue
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
      throw new TypeError(`${where}: ageRange.${bound} must be a whole number`)
    }
    out[bound] = n
  }
  if (value === null || typeof value !== 'object' || Object.keys(out).length === 0) {
    throw new TypeError(`${where}: ageRange must be { min?, max } with at least one bound`)
  }
  return out
}

function defined<T extends object>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as T
}

/** Checks the profile fields of `createUser`/`updateUser` options; caller mistakes are `TypeError`s. */
export function checkProfile(where: string, options: Input): StoredProfile {
  const birthday = text(where, 'birthday', options.birthday)
  if (birthday !== undefined && !/^(\d{2}\/\d{2}(\/\d{4})?|\d{4})$/.test(birthday)) {
    throw new TypeError(`${where}: birthday must be MM/DD/YYYY, MM/DD or YYYY`)
  }
  return defined({
    firstName: text(where, 'firstName', options.firstName),
    lastName: text(where, 'lastName', options.lastName),
    middleName: text(where, 'middleName', options.middleName),
    shortName: text(where, 'shortName', options.shortName),
    nameFormat: text(where, 'nameFormat', options.nameFormat),
    email: text(where, 'email', options.email),
    pictureUrl: url(where, 'pictureUrl', options.pictureUrl),
    link: url(where, 'link', options.link),
    birthday,
    gender: text(where, 'gender', options.gender),
    locale: text(where, 'locale', options.locale),
    ageRange: ageRange(where, options.ageRange),
    location: place(where, 'location', options.location),
    hometown: place(where, 'hometown', options.hometown),
  })
}

/** Checks the Page fields of `createPage`/`updatePage` options; caller mistakes are `TypeError`s. */
export function checkPageFields(where: string, options: Input): StoredPageFields {
  const fanCount = options.fanCount
  if (fanCount !== undefined && (typeof fanCount !== 'number' || !Number.isInteger(fanCount) || fanCount < 0)) {
    throw new TypeError(`${where}: fanCount must be a whole number`)
  }
  const username = text(where, 'username', options.username)
  if (username !== undefined && !/^[A-Za-z0-9.]{1,50}$/.test(username)) {
    throw new TypeError(`${where}: username must be letters, digits and dots`)
  }
  return defined({
    about: text(where, 'about', options.about),
    fanCount: fanCount as number | undefined,
    username,
    link: url(where, 'link', options.link),
    pictureUrl: url(where, 'pictureUrl', options.pictureUrl),
  })
}

/** The name and category of a `updatePage` call, checked. */
export function checkPageNaming(where: string, update: PageUpdate): { name?: string; category?: string } {
  const name = text(where, 'name', update.name)
  if (name === '') throw new TypeError(`${where}: name must not be empty`)
  return defined({ name, category: text(where, 'category', update.category) })
}
