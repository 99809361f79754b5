import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import type { StoredToken } from './store.js'

/**
 * Encryption at rest for stored tokens (AES-256-GCM). Keys are named, so a store can rotate: new
 * writes use `currentKeyId`, older rows stay readable with the key they name.
 *
 * @example
 * ```ts
 * const encryption: EncryptionOptions = {
 *   keys: { k1: process.env.OLD_TOKEN_KEY!, k2: process.env.TOKEN_KEY! },
 *   currentKeyId: 'k2',
 * }
 * ```
 */
export interface EncryptionOptions {
  /** 32-byte keys by id: a `Uint8Array`, 64 hex digits, or base64 of 32 bytes. */
  keys: Record<string, string | Uint8Array>
  /** The key new writes use. */
  currentKeyId: string
  /**
   * Admit plain (unsealed) stored values, and let the store's `reencrypt()` seal them: only to migrate
   * a store written before encryption was turned on. Without it a plain value is refused, since anyone
   * who can write to the database could otherwise plant a token of their choosing. Turn it off again
   * once `reencrypt()` has run.
   * @default false
   */
  allowPlaintext?: boolean
}

/**
 * The identity of a stored token's row, which its sealed value is bound to: a `StoredToken` is one.
 *
 * @example
 * ```ts
 * const row: StoredTokenIdentity = { kind: 'page', appId: '1001', userId: '42', pageId: '7' }
 * ```
 */
export type StoredTokenIdentity = Pick<StoredToken, 'kind' | 'appId' | 'userId' | 'pageId'>

/**
 * Seals and opens stored token values with {@link EncryptionOptions}. A sealed value is bound to the
 * whole identity of its row (app, user, kind and Page), so it opens nowhere else.
 *
 * @example
 * ```ts
 * const cipher: TokenCipher = createTokenCipher({ keys: { k1: process.env.TOKEN_KEY! }, currentKeyId: 'k1' })
 * const page = { kind: 'page', appId: '1001', userId: '42', pageId: '7' } as const
 * const sealed = cipher.seal('EAAP...', page)
 * cipher.open(sealed, { ...page, pageId: '8' }) // throws: sealed for another row
 * ```
 */
export interface TokenCipher {
  /** Seals `value` for the row `identity` (format `enc:v2:<keyId>:…`, with the current key). */
  seal(value: string, identity: StoredTokenIdentity): string
  /**
   * Opens the stored value of the row `identity`. A value sealed for another row, altered, or sealed
   * with a key not in `keys` throws; so does a plain value, unless `allowPlaintext` admits it. Values
   * sealed by earlier versions (`enc:v1:`, bound to app and user only) still open.
   */
  open(stored: string, identity: StoredTokenIdentity): string
  /** Whether `stored` is sealed in the current format with the current key (else `reencrypt()` rewrites it). */
  isCurrent(stored: string): boolean
}

const SEALED = 'enc:'
const V1 = 'enc:v1:'
const V2 = 'enc:v2:'

/**
 * What a value sealed for `identity` is bound to (AES-GCM associated data). JSON, so no two
 * identities share one, whatever characters their ids contain.
 */
function boundTo(identity: StoredTokenIdentity): string {
  const pageId = identity.kind === 'page' ? (identity.pageId ?? '') : ''
  return JSON.stringify(['tokens.v2', identity.kind, identity.appId, identity.userId, pageId])
}

/** What `enc:v1:` values (written by @tokens/core 0.1) were bound to: app and user only. */
function legacyBoundTo(identity: StoredTokenIdentity): string {
  return `${identity.appId}:${identity.userId}`
}

function describeRow(identity: StoredTokenIdentity): string {
  const page = identity.kind === 'page' ? `, page ${identity.pageId}` : ''
  return `the ${identity.kind} token of app ${identity.appId}, user ${identity.userId}${page}`
}

function keyBytes(id: string, key: unknown): Buffer {
  const name = `encryption.keys.${id}`
  let bytes: Buffer
  if (typeof key === 'string') {
    bytes = /^[0-9a-f]{64}$/i.test(key) ? Buffer.from(key, 'hex') : Buffer.from(key, 'base64')
  } else if (key instanceof Uint8Array) bytes = Buffer.from(key)
  else {
    const what = key === undefined ? 'undefined (an unset environment variable?)' : `a ${typeof key}`
    throw new TypeError(`${name} must be a string or a Uint8Array of 32 bytes, not ${what}`)
  }
  if (bytes.length !== 32) throw new TypeError(`${name} must be 32 bytes (64 hex digits or base64)`)
  return bytes
}

/**
 * Builds the cipher every store uses, validating the options (a `TypeError` names the bad one).
 *
 * @example
 * ```ts
 * import { createTokenCipher } from '@tokens/core'
 * const cipher = createTokenCipher({ keys: { k1: process.env.TOKEN_KEY! }, currentKeyId: 'k1' })
 * const row = { kind: 'user', appId: '1001', userId: '42' } as const
 * const sealed = cipher.seal('EAAB...', row)
 * cipher.open(sealed, row) // 'EAAB...'
 * ```
 */
export function createTokenCipher(options: EncryptionOptions): TokenCipher {
  if (typeof options !== 'object' || options === null) throw new TypeError('encryption must be an object')
  if (typeof options.keys !== 'object' || options.keys === null) {
    throw new TypeError('encryption.keys must be an object of key id → key')
  }
  if (options.allowPlaintext !== undefined && typeof options.allowPlaintext !== 'boolean') {
    throw new TypeError('encryption.allowPlaintext must be a boolean')
  }
  const allowPlaintext = options.allowPlaintext === true
  const keys = new Map<string, Buffer>()
  for (const [id, key] of Object.entries(options.keys)) {
    if (!/^[A-Za-z0-9_-]+$/.test(id))
      throw new TypeError(`encryption.keys: key id '${id}' may use only A-Z a-z 0-9 _ -`)
    keys.set(id, keyBytes(id, key))
  }
  const current = keys.get(options.currentKeyId)
  if (current === undefined) throw new TypeError('encryption.currentKeyId must name one of encryption.keys')
  const currentPrefix = `${V2}${options.currentKeyId}:`

  return {
    seal(value, identity) {
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', current, iv)
      cipher.setAAD(Buffer.from(boundTo(identity)))
      const sealed = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()])
      const tag = cipher.getAuthTag()
      return `${currentPrefix}${iv.toString('base64url')}:${tag.toString('base64url')}:${sealed.toString('base64url')}`
    },
    open(stored, identity) {
      if (!stored.startsWith(SEALED)) {
        if (allowPlaintext) return stored
        throw new Error(
          `A stored token (${describeRow(identity)}) is not sealed, while encryption is on: refused. If it was saved before encryption was turned on, set encryption.allowPlaintext: true and run reencrypt(); otherwise delete it: someone wrote it into the store.`,
        )
      }
      const legacy = stored.startsWith(V1)
      if (!legacy && !stored.startsWith(V2)) {
        throw new Error(`A stored token (${describeRow(identity)}) is sealed in a format this version cannot read`)
      }
      const [id, iv, tag, sealed, extra] = stored.slice(V2.length).split(':')
      const key = id === undefined ? undefined : keys.get(id)
      if (key === undefined) {
        throw new Error(`A stored token is sealed with key '${id}', which is not in encryption.keys`)
      }
      try {
        if (iv === undefined || tag === undefined || sealed === undefined || extra !== undefined) throw new Error()
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'))
        decipher.setAAD(Buffer.from(legacy ? legacyBoundTo(identity) : boundTo(identity)))
        decipher.setAuthTag(Buffer.from(tag, 'base64url'))
        return Buffer.concat([decipher.update(Buffer.from(sealed, 'base64url')), decipher.final()]).toString('utf8')
      } catch {
        throw new Error(
          `A stored token (${describeRow(identity)}) does not open with key '${id}': it was sealed for another row, or altered`,
        )
      }
    },
    isCurrent(stored) {
      return stored.startsWith(currentPrefix)
    },
  }
}

/**
 * Seals a token value for its row, or keeps it as is when the store has no encryption: what every
 * store calls on `save` (`MemoryStore`, `@tokens/sqlite`, `@tokens/redis`), so that all bind the same
 * identity.
 *
 * @example
 * ```ts
 * import { createTokenCipher, sealStoredValue } from '@tokens/core'
 * const cipher = createTokenCipher({ keys: { k1: process.env.TOKEN_KEY! }, currentKeyId: 'k1' })
 * const stored = sealStoredValue(cipher, 'EAAB...', { kind: 'page', appId: '1001', userId: '42', pageId: '7' })
 * ```
 */
export function sealStoredValue(cipher: TokenCipher | undefined, value: string, identity: StoredTokenIdentity): string {
  return cipher === undefined ? value : cipher.seal(value, identity)
}

/**
 * Opens a stored value read from the row `identity` (see {@link TokenCipher.open}); without
 * encryption, a sealed value is refused rather than handed out as a token.
 *
 * @example
 * ```ts
 * import { openStoredValue } from '@tokens/core'
 * const row = { kind: 'user', appId: '1001', userId: '42' } as const
 * openStoredValue(undefined, 'EAAB...', row) // 'EAAB...': a store without encryption
 * ```
 */
export function openStoredValue(
  cipher: TokenCipher | undefined,
  stored: string,
  identity: StoredTokenIdentity,
): string {
  if (cipher !== undefined) return cipher.open(stored, identity)
  if (stored.startsWith(SEALED)) {
    throw new Error('A stored token is encrypted (enc:…), but the store has no encryption option')
  }
  return stored
}
