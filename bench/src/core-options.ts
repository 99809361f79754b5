import type { TokensOptions } from '@tokens/core'
import type { ServerConfig } from './server-config.js'

/** The core's options every benchmarked server uses: the emulator as Graph, on the emulator's (frozen) clock. */
export function coreOptions(config: ServerConfig): TokensOptions {
  return {
    appId: config.appId,
    appSecret: config.appSecret,
    graphUrl: config.graphUrl,
    clock: () => config.nowMs,
  }
}
