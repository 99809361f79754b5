/**
 * The givens of TSDoc examples (ARCHITECTURE.md#conventions): the only names an `@example` in `packages/*\/src`
 * may use without declaring or importing them, as if they were already in the reader's app. Besides
 * these, every example sees every export of the package its comment belongs to (imported for it).
 *
 * Keep this list short and precisely typed. A name that is arbitrary (`db`, `sessions`, `logger`) does
 * not belong here: the example declares it, or does without it. This file is a script, so these are
 * globals, and a name an example declares or imports itself hides its given.
 */

/** The Express app (`const app = express()`). */
declare const app: import('express').Express

/** The request of the Express handler the example runs in. */
declare const req: import('express').Request

/** The response of the Express handler the example runs in. */
declare const res: import('express').Response

/** The `next` of the Express middleware the example runs in. */
declare const next: import('express').NextFunction

/** The core object, built once at startup (`createTokens({ appId, appSecret })`). */
declare const tokens: import('@tokens/core').Tokens

/** A raw access token, as a client sent it. */
declare const raw: string

/** The Meta app's id. */
declare const appId: string

/** The Meta app's secret. */
declare const appSecret: string

/** A running Graph API emulator (`await startEmulator()`). */
declare const emu: import('@tokens/emulator').Emulator
