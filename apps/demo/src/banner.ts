import type { DemoSeed } from '@tokens/emulator'

/** One `curl` line the demo prints, with the status it answers. */
export interface CurlLine {
  title: string
  url: string
  token: string | undefined
  expect: number
  /** The `WWW-Authenticate` header of a 401 or 403 answer; `…` stands for a description. */
  challenge?: string
}

/** The `WWW-Authenticate` headers the APIs answer (the core's default realm, `api`). */
const CHALLENGE = {
  tokenRequired: 'Bearer realm="api"',
  invalidToken: 'Bearer realm="api", error="invalid_token", error_description="…"',
  insufficientScope:
    'Bearer realm="api", error="insufficient_scope", error_description="…", scope="pages_manage_posts"',
} as const

/** The requests that show each answer of the APIs: 200, 401, 403. */
export function curlLines(apiUrl: string, seed: DemoSeed): CurlLine[] {
  const page = seed.pages[0]!.id
  return [
    { title: 'a user token on a user route', url: `${apiUrl}/api/me`, token: seed.userToken, expect: 200 },
    {
      title: 'no token',
      url: `${apiUrl}/api/me`,
      token: undefined,
      expect: 401,
      challenge: CHALLENGE.tokenRequired,
    },
    {
      title: 'a garbage token',
      url: `${apiUrl}/api/me`,
      token: 'EAAnotarealtokennotarealtoken',
      expect: 401,
      challenge: CHALLENGE.invalidToken,
    },
    {
      title: 'a user token where a Page token is needed',
      url: `${apiUrl}/api/pages/${page}`,
      token: seed.userToken,
      expect: 403,
      challenge: CHALLENGE.insufficientScope,
    },
    {
      title: 'a Page token with pages_manage_posts',
      url: `${apiUrl}/api/pages/${page}`,
      token: seed.pageToken,
      expect: 200,
    },
    { title: 'the app token', url: `${apiUrl}/api/app`, token: seed.appToken, expect: 200 },
    {
      title: 'iOS app (Limited Login): its ID token',
      url: `${apiUrl}/api/ios/me`,
      token: seed.limitedLoginToken,
      expect: 200,
    },
    {
      title: 'iOS app (Limited Login): its ID token where an access token is needed',
      url: `${apiUrl}/api/me`,
      token: seed.limitedLoginToken,
      expect: 401,
      challenge: CHALLENGE.invalidToken,
    },
  ]
}

/** A line as a shell command. */
export function curlCommand(line: CurlLine): string {
  const auth = line.token === undefined ? '' : ` -H 'Authorization: Bearer ${line.token}'`
  return `curl -i${auth} ${line.url}`
}

/** What `pnpm demo` prints once everything listens. */
export function banner(
  urls: { web: string; webLocal: string; express: string; nest: string; fastify: string; emulator?: string },
  seed?: DemoSeed,
  printingSpans = false,
): string {
  const lines = [
    '',
    'tokens demo is running',
    `  web login + dashboard   ${urls.web}   (open it: "Log in with Facebook")`,
  ]
  if (urls.webLocal !== urls.web) lines.push(`                          listening on ${urls.webLocal}`)
  lines.push(
    `  Express API             ${urls.express}`,
    `  NestJS API              ${urls.nest}`,
    `  Fastify API             ${urls.fastify}`,
  )
  if (urls.emulator)
    lines.push(`  Graph API emulator      ${urls.emulator}   (admin API: ${urls.emulator}/__admin/state)`)
  if (seed) {
    lines.push('', 'Try the APIs (each line shows the status it answers, and its WWW-Authenticate header):')
    for (const api of [urls.express, urls.nest, urls.fastify]) {
      for (const line of curlLines(api, seed)) {
        lines.push(`  # ${line.expect}: ${line.title}`)
        if (line.challenge) lines.push(`  #      WWW-Authenticate: ${line.challenge}`)
        lines.push(`  ${curlCommand(line)}`)
      }
    }
    lines.push(
      '',
      'Debug the user token from a terminal (@tokens/cli):',
      `  printf %s '${seed.userToken}' | META_APP_ID=${seed.appId} META_APP_SECRET=${seed.appSecret} META_GRAPH_URL=${urls.emulator} npx @tokens/cli debug`,
    )
    const body = JSON.stringify({ userId: seed.userId, appId: seed.appId })
    lines.push(
      '',
      "Remove the app for Ada (run it last): the emulator calls the demo's deauthorize callback, and then her",
      'user and Page token lines above answer 401 on every API, reason "app_not_installed", with',
      `  WWW-Authenticate: ${CHALLENGE.invalidToken}`,
      '  # 200: remove the app for Ada',
      `  curl -i -X POST ${urls.emulator}/__admin/remove-app -H 'content-type: application/json' -d '${body}'`,
    )
  }
  lines.push(
    '',
    printingSpans
      ? "OpenTelemetry: the core's spans of each request are printed below as they end (--otel)."
      : "Add --otel (pnpm demo --otel) to print the core's OpenTelemetry spans of each request.",
  )
  lines.push('', 'Press Ctrl+C to stop.')
  return lines.join('\n')
}
