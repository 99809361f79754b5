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

/**
 * What an app answered to a data deletion request.
 *
 * @example
 * ```ts
 * const seed = seedDemo(emu, { dataDeletionCallbackUrl: 'http://localhost:3000/meta/data-deletion' })
 * const { valid, body }: DataDeletionAnswer = await emu.requestDataDeletion(seed.userId, seed.appId)
 * ```
 */
export interface DataDeletionAnswer {
  status: number
  body: unknown
  /** Whether the answer is what Meta requires: HTTP 200, JSON `{ url, confirmation_code }`. */
  valid: boolean
}

/**
 * POSTs a data deletion `signed_request` to an app's callback and waits for its answer, which Meta
 * requires to be JSON `{ url, confirmation_code }` (an alphanumeric code). Network failures answer
 * `status: 0`.
 */
export async function requestDataDeletion(url: string, signedRequest: string): Promise<DataDeletionAnswer> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ signed_request: signedRequest }).toString(),
      signal: AbortSignal.timeout(CALLBACK_TIMEOUT_MS),
    })
    const text = await response.text()
    let body: unknown = text
    try {
      body = JSON.parse(text)
    } catch {
      // not JSON: kept as text, and not valid
    }
    const answer = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {}
    const valid =
      response.status === 200 &&
      typeof answer.url === 'string' &&
      typeof answer.confirmation_code === 'string' &&
      /^[A-Za-z0-9]+$/.test(answer.confirmation_code)
    return { status: response.status, body, valid }
  } catch {
    return { status: 0, body: null, valid: false }
  }
}
