import type { Request, Response } from 'express'
import type { AuthenticateOptions } from 'passport'

/** Whether `req` is the dialog's redirect back to the app (what passport-oauth2 answers with a login). */
export function isCallback(req: Request): boolean {
  const query = req.query as Record<string, unknown> | undefined
  const body = req.body as Record<string, unknown> | undefined
  return Boolean(query?.code || query?.error || body?.code)
}

/**
 * Facebook sends the user back to the callback with `#_=_` appended, and a browser carries that
 * fragment over a redirect whose `Location` has none. For this one response, the redirects Passport
 * ends the login with (`successRedirect`, `failureRedirect`, `successReturnToOrRedirect` or the
 * session's `returnTo`) get an empty fragment, which replaces the inherited one: `/dashboard#`.
 * Every other call of `res.redirect` is passed through as is.
 */
export function clearInheritedFragment(req: Request, options: AuthenticateOptions | undefined): void {
  const res = req.res
  if (res === undefined || typeof res.redirect !== 'function') return
  const returnTo = (req as { session?: { returnTo?: unknown } }).session?.returnTo
  const targets = new Set<unknown>([
    options?.successRedirect,
    options?.failureRedirect,
    options?.successReturnToOrRedirect,
    returnTo,
  ])
  const redirect = res.redirect as (this: Response, ...args: unknown[]) => void
  res.redirect = function (this: Response, ...args: unknown[]) {
    const [url] = args
    const endsLogin = args.length === 1 && typeof url === 'string' && targets.has(url) && !url.includes('#')
    redirect.apply(this, endsLogin ? [`${url}#`] : args)
  } as Response['redirect']
}
