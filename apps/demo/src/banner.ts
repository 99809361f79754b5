import type { DemoSeed } from '@tokens/emulator'

/** One `curl` line the demo prints, with the status it answers. */
export interface CurlLine {
  title: string
  url: string
  token: string | undefined
  expect: number
}

/** The requests that show each answer of the APIs: 200, 401, 403. */
export function curlLines(apiUrl: string, seed: DemoSeed): CurlLine[] {
  const page = seed.pages[0]!.id
  return [
    { title: 'a user token on a user route', url: `${apiUrl}/api/me`, token: seed.userToken, expect: 200 },
    { title: 'no token', url: `${apiUrl}/api/me`, token: undefined, expect: 401 },
    { title: 'a garbage token', url: `${apiUrl}/api/me`, token: 'EAAnotarealtokennotarealtoken', expect: 401 },
    {
      title: 'a user token where a Page token is needed',
      url: `${apiUrl}/api/pages/${page}`,
      token: seed.userToken,
      expect: 403,
    },
    {
      title: 'a Page token with pages_manage_posts',
      url: `${apiUrl}/api/pages/${page}`,
      token: seed.pageToken,
      expect: 200,
    },
    { title: 'the app token', url: `${apiUrl}/api/app`, token: seed.appToken, expect: 200 },
  ]
}

/** A line as a shell command. */
export function curlCommand(line: CurlLine): string {
  const auth = line.token === undefined ? '' : ` -H 'Authorization: Bearer ${line.token}'`
  return `curl -i${auth} ${line.url}`
}

/** What `pnpm demo` prints once everything listens. */
export function banner(
  urls: { web: string; express: string; nest: string; emulator?: string },
  seed?: DemoSeed,
): string {
  const lines = [
    '',
    'tokens demo is running',
    `  web login + dashboard   ${urls.web}   (open it: "Log in with Facebook")`,
    `  Express API             ${urls.express}`,
    `  NestJS API              ${urls.nest}`,
  ]
  if (urls.emulator)
    lines.push(`  Graph API emulator      ${urls.emulator}   (admin API: ${urls.emulator}/__admin/state)`)
  if (seed) {
    lines.push('', 'Try the APIs (each line shows the status it answers):')
    for (const api of [urls.express, urls.nest]) {
      for (const line of curlLines(api, seed)) lines.push(`  # ${line.expect}: ${line.title}`, `  ${curlCommand(line)}`)
    }
    lines.push(
      '',
      "Remove the app for Ada (the emulator calls the demo's deauthorize callback):",
      `  curl -X POST ${urls.emulator}/__admin/remove-app -H 'content-type: application/json' -d '{"userId":"${seed.userId}","appId":"${seed.appId}"}'`,
    )
  }
  lines.push('', 'Press Ctrl+C to stop.')
  return lines.join('\n')
}
