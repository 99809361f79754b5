export type { DataDeletionAnswer } from './deauthorize.js'
export type { Emulator, EmulatorCoreOptions } from './emulator.js'
export { startEmulator } from './emulator.js'
export { type IssuedSecretListener, onIssuedSecret } from './issued-secrets.js'
export type { LimitedLoginTokenOptions } from './limited-login.js'
export { DEMO, type DemoSeed, type SeedOptions, seedDemo } from './seed.js'
export { signSignedRequest } from './signed-request.js'
export type {
  AppInfo,
  AppOptions,
  EmulatorOptions,
  FaultOptions,
  InvalidationReason,
  NodeInfo,
  PageFields,
  PageOptions,
  PageTokenOptions,
  PageUpdate,
  SystemUserTokenOptions,
  TokenLifetime,
  UsagePreset,
  UserOptions,
  UserProfile,
  UserTokenOptions,
} from './types.js'
export { GRAPH_VERSIONS } from './versions.js'
