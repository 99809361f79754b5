// The few declarations these tests need of Graph clients that ship no types.

declare module 'passport-facebook' {
  interface StrategyOptions {
    clientID: string
    clientSecret: string
    callbackURL: string
    authorizationURL?: string
    tokenURL?: string
    profileURL?: string
    graphAPIVersion?: string
    profileFields?: string[]
    enableProof?: boolean
    scope?: string[]
  }
  type Done = (error: unknown, user?: unknown, info?: unknown) => void
  export class Strategy {
    constructor(
      options: StrategyOptions,
      verify: (accessToken: string, refreshToken: string | undefined, profile: Profile, done: Done) => void,
    )
    name: string
    authenticate(req: unknown, options?: unknown): void
    userProfile(
      accessToken: string,
      done: (error: (Error & Record<string, unknown>) | null, profile?: Profile) => void,
    ): void
  }
  export interface Profile {
    provider: string
    id: string
    displayName?: string
    username?: string
    name?: { familyName?: string; givenName?: string; middleName?: string }
    gender?: string
    profileUrl?: string
    emails?: Array<{ value: string }>
    photos?: Array<{ value: string }>
    _json: Record<string, unknown>
  }
}

declare module 'passport-facebook-token' {
  import type { Profile } from 'passport-facebook'

  interface Options {
    clientID: string
    clientSecret: string
    fbGraphVersion?: string
    profileURL?: string
    tokenURL?: string
    authorizationURL?: string
    profileFields?: string[]
    enableProof?: boolean
  }
  type Done = (error: unknown, user?: unknown, info?: unknown) => void
  export default class FacebookTokenStrategy {
    constructor(
      options: Options,
      verify: (accessToken: string, refreshToken: string | undefined, profile: Profile, done: Done) => void,
    )
    name: string
    authenticate(req: unknown, options?: unknown): void
  }
}

declare module 'fbgraph' {
  /** A parsed answer, typed loosely for assertions (as the fixture's `Json`). */
  type Loose = { readonly [key: string]: Loose } & readonly Loose[] & string
  type Callback = (error: Loose | null, res: Loose) => void
  export function setGraphUrl(url: string): void
  export function setVersion(version: string): void
  export function setAppSecret(secret: string): void
  export function setAccessToken(token: string | null): void
  export function getAccessToken(): string | null
  export function get(url: string, params: Record<string, unknown>, callback: Callback): void
  export function get(url: string, callback: Callback): void
  export function post(url: string, data: Record<string, unknown>, callback: Callback): void
  export function del(url: string, callback: Callback): void
  export function batch(requests: unknown[], callback: Callback): void
  export function authorize(params: Record<string, string>, callback: Callback): void
  export function extendAccessToken(params: Record<string, string>, callback: Callback): void
  export function getOauthUrl(params: Record<string, string>): string
}
