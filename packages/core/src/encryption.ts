import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'

/**
 * Encryption at rest for stored tokens (AES-256-GCM). Keys are named, so a store can rotate: new
 * writes use `currentKeyId`, older rows stay readable with the key they name.
 */
export interface EncryptionOptions {
  /** 32-byte keys by id: a `Uint8Array`, 64 hex digits, or base64 of 32 bytes. */
  keys: Record<string, string | Uint8Array>
  /** The key new writes use. */
  currentKeyId: string
}

/** Seals and opens token values with {@link EncryptionOptions}. */
export interface TokenCipher {
  /** Seals `plain`; `context` (e.g. `appId:userId`) is bound as associated data. */
  encrypt(plain: string, context?: string): string
  /** Opens a sealed value; a plain value (written before encryption was on) comes back as is. */
  decrypt(stored: string, context?: string): string
  /** Whether `stored` is sealed with the current key (else the store should re-encrypt it). */
  isCurrent(stored: string): boolean
}

const PREFIX = 'enc:v1:'

function keyBytes(id: string, key: string | Uint8Array): Buffer {
  let bytes: Buffer
  if (typeof key !== 'string') bytes = Buffer.from(key)
  else if (/^[0-9a-f]{64}$/i.test(key)) bytes = Buffer.from(key, 'hex')
  else bytes = Buffer.from(key, 'base64')
  if (bytes.length !== 32) throw new TypeError(`encryption.keys.${id} must be 32 bytes (64 hex digits or base64)`)
  return bytes
}

/**
 * Builds the cipher every store uses, validating the options (a `TypeError` names the bad one).
 *
 * @example
 * ```ts
 * import { createTokenCipher } from '@tokens/core'
 * const cipher = createTokenCipher({ keys: { k1: process.env.TOKEN_KEY! }, currentKeyId: 'k1' })
 * const sealed = cipher.encrypt('EAAB...', 'app:user')
 * cipher.decrypt(sealed, 'app:user') // 'EAAB...'
 * ```
 */
export function createTokenCipher(options: EncryptionOptions): TokenCipher {
  if (typeof options !== 'object' || options === null) throw new TypeError('encryption must be an object')
  const keys = new Map<string, Buffer>()
  for (const [id, key] of Object.entries(options.keys ?? {})) {
    if (!/^[A-Za-z0-9_-]+$/.test(id))
      throw new TypeError(`encryption.keys: key id '${id}' may use only A-Z a-z 0-9 _ -`)
    keys.set(id, keyBytes(id, key))
  }
  const current = keys.get(options.currentKeyId)
  if (current === undefined) throw new TypeError('encryption.currentKeyId must name one of encryption.keys')
  const currentPrefix = `${PREFIX}${options.currentKeyId}:`

  return {
    encrypt(plain, context = '') {
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', current, iv)
      cipher.setAAD(Buffer.from(context))
      const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
      const tag = cipher.getAuthTag()
      return `${currentPrefix}${iv.toString('base64url')}:${tag.toString('base64url')}:${sealed.toString('base64url')}`
    },
    decrypt(stored, context = '') {
      if (!stored.startsWith(PREFIX)) return stored
      const [id, iv, tag, sealed] = stored.slice(PREFIX.length).split(':')
      const key = id === undefined ? undefined : keys.get(id)
      if (key === undefined || iv === undefined || tag === undefined || sealed === undefined) {
        throw new Error(`A stored token is sealed with key '${id}', which is not in encryption.keys`)
      }
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'))
      decipher.setAAD(Buffer.from(context))
      decipher.setAuthTag(Buffer.from(tag, 'base64url'))
      return Buffer.concat([decipher.update(Buffer.from(sealed, 'base64url')), decipher.final()]).toString('utf8')
    },
    isCurrent(stored) {
      return stored.startsWith(currentPrefix)
    },
  }
}
