import { createHmac } from 'node:crypto'
import type { Emulator } from './emulator.js'

/**
 * The fixed ids and secret of the demo data, so copy-pasted commands keep working across restarts.
 *
 * @example
 * ```ts
 * import { createTokens } from '@tokens/core'
 * const tokens = createTokens({ appId: DEMO.appId, appSecret: DEMO.appSecret, graphUrl: emu.url })
 * ```
 */
export const DEMO = {
  appId: '1000000000000001',
  appSecret: '5eed5eed5eed5eed5eed5eed5eed5eed',
  appName: 'Tokens Demo',
  userId: '2000000000000001',
  redirectUris: ['http://localhost:3000/auth/facebook/callback', 'http://127.0.0.1:3000/auth/facebook/callback'],
  scopes: ['email', 'pages_show_list', 'pages_read_engagement', 'pages_manage_posts'],
} as const

/**
 * What {@link seedDemo} created.
 *
 * @example
 * ```ts
 * const { userToken, pageToken, appToken }: DemoSeed = seedDemo(emu)
 * ```
 */
export interface DemoSeed {
  appId: string
  appSecret: string
  userId: string
  pages: Array<{ id: string; name: string }>
  userToken: string
  pageToken: string
  appToken: string
  /** An iOS Limited Login ID token of the user (valid for an hour of the emulator's clock). */
  limitedLoginToken: string
}

/**
 * Options of {@link seedDemo}: where the demo app's callbacks and login redirects go.
 *
 * @example
 * ```ts
 * import { type SeedOptions, seedDemo } from '@tokens/emulator'
 * const options: SeedOptions = {
 *   redirectUris: ['http://localhost:8080/auth/facebook/callback'],
 *   deauthorizeCallbackUrl: 'http://localhost:8080/facebook/deauthorize',
 *   dataDeletionCallbackUrl: 'http://localhost:8080/facebook/data-deletion',
 * }
 * const seed = seedDemo(emu, options) // the demo app, for your app on port 8080
 * ```
 */
export interface SeedOptions {
  /** @default the redirect URIs of `localhost:3000` and `127.0.0.1:3000` */
  redirectUris?: string[]
  deauthorizeCallbackUrl?: string
  dataDeletionCallbackUrl?: string
}

/**
 * Creates the demo app (fixed id and secret), Ada Lovelace, her two Pages, and long-lived tokens.
 *
 * @example
 * ```ts
 * const emu = await startEmulator()
 * const seed = seedDemo(emu, { deauthorizeCallbackUrl: 'http://localhost:3000/facebook/deauthorize' })
 * console.log(seed.appId, seed.userToken)
 * ```
 */
export function seedDemo(emu: Emulator, options: SeedOptions = {}): DemoSeed {
  const app = emu.createApp({
    id: DEMO.appId,
    secret: DEMO.appSecret,
    name: DEMO.appName,
    redirectUris: options.redirectUris ?? [...DEMO.redirectUris],
    ...(options.deauthorizeCallbackUrl && { deauthorizeCallbackUrl: options.deauthorizeCallbackUrl }),
    ...(options.dataDeletionCallbackUrl && { dataDeletionCallbackUrl: options.dataDeletionCallbackUrl }),
  })
  const user = emu.createUser({
    id: DEMO.userId,
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    birthday: '12/10/1815',
    locale: 'en_GB',
    developerOf: [app.id],
  })
  const pages = [
    emu.createPage({
      id: '3000000000000001',
      name: 'Analytical Engine Fan Club',
      category: 'Community',
      admins: [user.id],
      about: 'Notes on the Analytical Engine',
      fanCount: 1843,
      username: 'analyticalengine',
    }),
    emu.createPage({
      id: '3000000000000002',
      name: 'Lovelace Bakery',
      category: 'Bakery',
      admins: [user.id],
      about: 'Bread, computed',
      fanCount: 212,
    }),
  ]
  const userToken = emu.issueUserToken({ appId: app.id, userId: user.id, scopes: [...DEMO.scopes], lifetime: 'long' })
  const firstPage = pages[0]!
  const pageToken = emu.issuePageToken({ appId: app.id, userId: user.id, pageId: firstPage.id, lifetime: 'long' })
  return {
    appId: app.id,
    appSecret: app.secret,
    userId: user.id,
    pages,
    userToken,
    pageToken,
    appToken: emu.appToken(app.id),
    limitedLoginToken: emu.issueLimitedLoginToken({ appId: app.id, userId: user.id }),
  }
}

function proof(secret: string, token: string): string {
  return createHmac('sha256', secret).update(token).digest('hex')
}

/** The text the CLI prints after seeding: ids, secrets, tokens and commands to copy. */
export function describeSeed(emu: Emulator, seed: DemoSeed): string {
  const base = `${emu.url}/${emu.graphVersion}`
  const q = (params: Record<string, string>) => new URLSearchParams(params).toString()
  const userProof = proof(seed.appSecret, seed.userToken)
  const dialog = `${base}/dialog/oauth?${q({ client_id: seed.appId, redirect_uri: DEMO.redirectUris[0], scope: 'email,pages_show_list', state: 'demo' })}`
  return [
    `Demo app "${DEMO.appName}" (appsecret_proof required on user/page token calls)`,
    `  FACEBOOK_APP_ID=${seed.appId}`,
    `  FACEBOOK_APP_SECRET=${seed.appSecret}`,
    `  GRAPH_URL=${emu.url}`,
    `  redirect URIs: ${DEMO.redirectUris.join(', ')}`,
    '',
    `User "Ada Lovelace" (id ${seed.userId}), admin of:`,
    ...seed.pages.map((p) => `  Page "${p.name}" (id ${p.id})`),
    '',
    'Sample tokens:',
    `  user token (long-lived, ~60 days; scopes ${DEMO.scopes.join(', ')}):`,
    `    ${seed.userToken}`,
    `  page token for "${seed.pages[0]?.name}" (never expires):`,
    `    ${seed.pageToken}`,
    '  app token:',
    `    ${seed.appToken}`,
    '  iOS Limited Login ID token (a JWT; keys at /.well-known/oauth/openid/jwks/):',
    `    ${seed.limitedLoginToken}`,
    '',
    'Try it:',
    '  # what is this token? (debug_token, called with the app token)',
    `  curl '${base}/debug_token?${q({ input_token: seed.userToken, access_token: seed.appToken })}'`,
    '  # who am I? (a user token call needs appsecret_proof = HMAC-SHA256(app secret, token) in hex)',
    `  curl '${base}/me?${q({ fields: 'id,name,email', access_token: seed.userToken, appsecret_proof: userProof })}'`,
    '  # my Pages and their tokens',
    `  curl '${base}/me/accounts?${q({ access_token: seed.userToken, appsecret_proof: userProof })}'`,
    '  # the login dialog (open in a browser; it redirects to the demo app with ?code=...)',
    `  ${dialog}`,
    '  # everything the emulator holds (admin API, see the README)',
    `  curl ${emu.url}/__admin/state`,
  ].join('\n')
}
