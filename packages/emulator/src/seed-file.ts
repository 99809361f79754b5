import type { Emulator } from './emulator.js'
import type { AppOptions, PageOptions, UserOptions } from './types.js'

/** What `tokens-emulator --seed-file <path>` reads: apps, users (with profiles) and Pages, created in that order. */
export interface SeedFile {
  apps?: AppOptions[]
  users?: UserOptions[]
  pages?: PageOptions[]
}

function list<T>(file: Record<string, unknown>, key: string): T[] {
  const value = file[key]
  if (value === undefined) return []
  if (!Array.isArray(value)) throw new TypeError(`seed file: '${key}' must be an array`)
  return value as T[]
}

/** Creates what a seed file describes and returns one line per app, user and Page created. */
export function applySeedFile(emu: Emulator, parsed: unknown): string[] {
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new TypeError('seed file: expected a JSON object with apps, users and pages')
  }
  const file = parsed as Record<string, unknown>
  const lines: string[] = []
  for (const options of list<AppOptions>(file, 'apps')) {
    const app = emu.createApp(options)
    lines.push(`app "${app.name}" (id ${app.id}, secret ${app.secret})`)
  }
  for (const options of list<UserOptions>(file, 'users')) {
    const user = emu.createUser(options)
    lines.push(`user "${user.name}" (id ${user.id})`)
  }
  for (const options of list<PageOptions>(file, 'pages')) {
    const page = emu.createPage(options)
    lines.push(`Page "${page.name}" (id ${page.id})`)
  }
  return lines
}
