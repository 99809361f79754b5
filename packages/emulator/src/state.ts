import { reportIssued } from './issued-secrets.js'
import { checkPageFields, checkPageNaming, checkProfile, type StoredPageFields, type StoredProfile } from './profile.js'
import { newAppToken, newSecret } from './tokens.js'
import type { AppInfo, AppOptions, NodeInfo, PageOptions, PageUpdate, UserOptions, UserProfile } from './types.js'

/** An app as the emulator keeps it. */
export interface AppRecord extends AppInfo {
  redirectUris: string[]
  requireProof: boolean
  deauthorizeCallbackUrl: string | undefined
  dataDeletionCallbackUrl: string | undefined
  /** The opaque app token `client_credentials` hands out. */
  issuedAppToken: string
  /** Users with a developer role on the app (their user tokens may call `/debug_token`). */
  developers: string[]
}

/** A user as the emulator keeps it. */
export interface UserRecord extends NodeInfo {
  profile: StoredProfile
}

/** A post in a Page's in-memory feed. */
export interface FeedPost {
  id: string
  message: string
  created_time: string
}

/** A Page as the emulator keeps it. */
export interface PageRecord extends NodeInfo {
  category: string
  admins: Set<string>
  feed: FeedPost[]
  fields: StoredPageFields
}

/** A permission's status for one user and one app, as `/{user-id}/permissions` reports it. */
export type PermissionStatus = 'granted' | 'declined'

const PAGE_TASKS = ['ADVERTISE', 'ANALYZE', 'CREATE_CONTENT', 'MESSAGING', 'MODERATE', 'MANAGE']

/** Apps, users, Pages and permission grants. Caller mistakes throw `TypeError`. */
export class Directory {
  readonly apps = new Map<string, AppRecord>()
  readonly users = new Map<string, UserRecord>()
  readonly pages = new Map<string, PageRecord>()
  readonly #grants = new Map<string, Map<string, PermissionStatus>>()
  #nextId = 1

  #id(prefix: string, given: string | undefined, taken: (id: string) => boolean): string {
    if (given !== undefined) {
      if (!/^\d+$/.test(given)) throw new TypeError(`id must be numeric, got '${given}'`)
      if (taken(given)) throw new TypeError(`id ${given} is already used`)
      return given
    }
    let id: string
    do id = `${prefix}${String(this.#nextId++).padStart(16 - prefix.length, '0')}`
    while (taken(id))
    return id
  }

  #taken = (id: string): boolean => this.apps.has(id) || this.users.has(id) || this.pages.has(id)

  createApp(options: AppOptions = {}): AppRecord {
    const id = this.#id('1', options.id, this.#taken)
    const app: AppRecord = {
      id,
      secret: options.secret === undefined ? newSecret() : reportIssued(options.secret),
      name: options.name ?? `Test App ${this.apps.size + 1}`,
      clientToken: options.clientToken === undefined ? newSecret() : reportIssued(options.clientToken),
      redirectUris: [...(options.redirectUris ?? [])],
      requireProof: options.requireProof ?? true,
      deauthorizeCallbackUrl: options.deauthorizeCallbackUrl,
      dataDeletionCallbackUrl: options.dataDeletionCallbackUrl,
      issuedAppToken: newAppToken(id),
      developers: [],
    }
    this.apps.set(id, app)
    return app
  }

  createUser(options: UserOptions = {}): UserRecord {
    const input = (options ?? {}) as Record<string, unknown>
    const profile = checkProfile('createUser', input)
    if (options.name !== undefined && (typeof options.name !== 'string' || options.name === '')) {
      throw new TypeError('createUser: name must be a non-empty string')
    }
    const developerOf = options.developerOf ?? []
    if (!Array.isArray(developerOf)) throw new TypeError('createUser: developerOf must be an array of app ids')
    const apps = developerOf.map((appId) => this.app(String(appId)))
    const id = this.#id('2', options.id, this.#taken)
    const user: UserRecord = { id, name: options.name ?? `Test User ${this.users.size + 1}`, profile }
    this.users.set(id, user)
    for (const app of apps) if (!app.developers.includes(id)) app.developers.push(id)
    return user
  }

  /** Changes a user's name and profile fields (`undefined` leaves a field as it is). */
  updateUser(userId: string, update: UserProfile): UserRecord {
    const user = this.user(userId)
    const input = (update ?? {}) as Record<string, unknown>
    if (update.name !== undefined) {
      if (typeof update.name !== 'string' || update.name === '')
        throw new TypeError('updateUser: name must be a non-empty string')
      user.name = update.name
    }
    user.profile = { ...user.profile, ...checkProfile('updateUser', input) }
    return user
  }

  createPage(options: PageOptions): PageRecord {
    if (typeof options?.name !== 'string' || options.name === '') throw new TypeError('createPage: name is required')
    if (!Array.isArray(options.admins)) throw new TypeError('createPage: admins must be an array of user ids')
    for (const admin of options.admins) this.user(admin)
    const id = this.#id('3', options.id, this.#taken)
    const page: PageRecord = {
      id,
      name: options.name,
      category: options.category ?? 'Local business',
      admins: new Set(options.admins),
      feed: [],
      fields: checkPageFields('createPage', options as unknown as Record<string, unknown>),
    }
    this.pages.set(id, page)
    return page
  }

  /** Changes a Page's name, category and fields (`undefined` leaves a field as it is). */
  updatePage(pageId: string, update: PageUpdate): PageRecord {
    const page = this.page(pageId)
    const input = (update ?? {}) as Record<string, unknown>
    const naming = checkPageNaming('updatePage', update ?? {})
    const fields = checkPageFields('updatePage', input)
    if (naming.name !== undefined) page.name = naming.name
    if (naming.category !== undefined) page.category = naming.category
    page.fields = { ...page.fields, ...fields }
    return page
  }

  app(appId: string): AppRecord {
    const app = this.apps.get(appId)
    if (!app) throw new TypeError(`unknown app id '${appId}'`)
    return app
  }

  user(userId: string): UserRecord {
    const user = this.users.get(userId)
    if (!user) throw new TypeError(`unknown user id '${userId}'`)
    return user
  }

  page(pageId: string): PageRecord {
    const page = this.pages.get(pageId)
    if (!page) throw new TypeError(`unknown page id '${pageId}'`)
    return page
  }

  /** Pages where the user has a role, in creation order. */
  pagesOf(userId: string): PageRecord[] {
    return [...this.pages.values()].filter((p) => p.admins.has(userId))
  }

  /** The tasks a Page admin has (every admin has all tasks here). */
  tasks(): string[] {
    return [...PAGE_TASKS]
  }

  /** The permission statuses of one user for one app (`public_profile` always granted once set). */
  permissions(userId: string, appId: string): Map<string, PermissionStatus> | undefined {
    return this.#grants.get(`${userId}:${appId}`)
  }

  /** Records grants and declines (declines never downgrade a grant unless `rerequest` asked again). */
  grant(userId: string, appId: string, granted: string[], declined: string[] = []): Map<string, PermissionStatus> {
    const key = `${userId}:${appId}`
    const current = this.#grants.get(key) ?? new Map<string, PermissionStatus>([['public_profile', 'granted']])
    for (const scope of granted) current.set(scope, 'granted')
    for (const scope of declined) current.set(scope, 'declined')
    this.#grants.set(key, current)
    return current
  }

  /** Forgets every grant of a user for an app (the user removed the app). */
  revokeAll(userId: string, appId: string): void {
    this.#grants.delete(`${userId}:${appId}`)
  }

  /** Scopes granted by a user to an app. */
  grantedScopes(userId: string, appId: string): string[] {
    const perms = this.permissions(userId, appId)
    if (!perms) return []
    return [...perms].filter(([, status]) => status === 'granted').map(([scope]) => scope)
  }
}
