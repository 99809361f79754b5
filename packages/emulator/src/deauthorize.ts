/** How long the emulator waits for an app's deauthorize callback before giving up. */
export const CALLBACK_TIMEOUT_MS = 5000

/**
 * POSTs a form-encoded `signed_request` to an app's callback, like Meta does: fire-and-forget, with a
 * timeout, errors swallowed. The returned promise (tracked in `pending`) never rejects.
 */
export function postSignedRequest(url: string, signedRequest: string, pending: Set<Promise<void>>): void {
  const delivery = fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ signed_request: signedRequest }).toString(),
    signal: AbortSignal.timeout(CALLBACK_TIMEOUT_MS),
  })
    .then(async (response) => {
      await response.arrayBuffer()
    })
    .catch(() => undefined)
    .finally(() => pending.delete(delivery))
  pending.add(delivery)
}
