import { Deadline } from './deadline.js'
import { TokenError } from './errors.js'
import type { ResolvedOptions } from './options.js'

/**
 * Tells Meta that a person leaves the app (`POST` the Limited Login uninstall endpoint with `id_token`
 * and `app_id`). A failure of Meta's side is `graph_unavailable`; a refusal of the token, `invalid_token`.
 */
export async function postUninstall(options: ResolvedOptions, idToken: string, appId: string): Promise<void> {
  const { fetch, limitedLogin, timeoutMs } = options
  const deadline = new Deadline(timeoutMs)
  let response: Response
  try {
    response = await fetch(limitedLogin.uninstallUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ id_token: idToken, app_id: appId }).toString(),
      signal: deadline.signal,
    })
    await response.arrayBuffer().catch(() => undefined)
  } catch (error) {
    throw new TokenError('graph_unavailable', 'The Limited Login uninstall endpoint could not be reached', {
      cause: error,
    })
  } finally {
    deadline.clear()
  }
  if (response.status >= 500 || response.status === 429) {
    throw new TokenError('graph_unavailable', `The Limited Login uninstall endpoint answered ${response.status}`, {})
  }
  if (!response.ok) {
    throw new TokenError('invalid_token', 'Meta refused the Limited Login token for the uninstall', {
      reason: 'invalidated',
    })
  }
}
