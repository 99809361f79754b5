/** What a Passport strategy decided for one request, through the actions Passport gives it. */
export type StrategyOutcome =
  | { kind: 'success'; user: unknown; info: unknown }
  | { kind: 'fail'; challenge: unknown; status: number | undefined }
  | { kind: 'redirect'; url: string }
  | { kind: 'error'; error: Error & Record<string, unknown> }
  | { kind: 'pass' }

/** The part of a Passport strategy these tests drive. */
export interface StrategyLike {
  authenticate(req: unknown, options?: unknown): void
}

/**
 * Runs `strategy.authenticate(req, options)` the way Passport does: on an object that inherits from the
 * strategy and carries the `success`, `fail`, `redirect`, `error` and `pass` actions.
 */
export function runStrategy(strategy: StrategyLike, req: unknown, options: unknown = {}): Promise<StrategyOutcome> {
  return new Promise((resolve) => {
    const run = Object.create(strategy) as StrategyLike & Record<string, unknown>
    run.success = (user: unknown, info: unknown) => resolve({ kind: 'success', user, info })
    run.fail = (challenge: unknown, status?: number) => resolve({ kind: 'fail', challenge, status })
    run.redirect = (url: string) => resolve({ kind: 'redirect', url })
    run.error = (error: Error & Record<string, unknown>) => resolve({ kind: 'error', error })
    run.pass = () => resolve({ kind: 'pass' })
    run.authenticate(req, options)
  })
}

/**
 * Goes through the emulator's login dialog as a person would: opens `dialogUrl` (the consent page), then
 * submits its form as `userId`, ticking `grants` (every scope asked for, by default). Returns the URL the
 * dialog redirects the browser to (the app's `redirect_uri` with `code` or `error`).
 */
export async function consent(dialogUrl: string, userId: string, grants?: string[]): Promise<URL> {
  const page = await fetch(dialogUrl)
  if (page.status !== 200) throw new Error(`the dialog answered ${page.status}: ${await page.text()}`)
  const html = await page.text()
  const form = new URLSearchParams()
  for (const [, name, value] of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    form.set(
      name ?? '',
      (value ?? '').replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))),
    )
  }
  const asked = [...html.matchAll(/name="grant" value="([^"]+)"/g)].map((m) => m[1] ?? '')
  for (const scope of grants ?? asked) form.append('grant', scope)
  form.set('user_id', userId)
  form.set('decision', 'allow')
  const action = /<form method="post" action="([^"]+)">/.exec(html)?.[1] ?? '/dialog/oauth'
  const answer = await fetch(new URL(action, dialogUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
    redirect: 'manual',
  })
  const location = answer.headers.get('location')
  if (answer.status !== 302 || location === null) throw new Error(`the dialog answered ${answer.status}`)
  return new URL(location)
}
