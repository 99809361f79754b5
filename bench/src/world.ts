import { type AppInfo, type Emulator, startEmulator } from '@tokens/emulator'
import type { ServerConfig, ServerKind } from './server-config.js'

/** The emulator every benchmark runs against, with one app, and a way to mint new users' tokens. */
export interface World {
  emu: Emulator
  app: AppInfo
  /** `count` long-lived user tokens of the app, each for a new user. */
  newTokens(count: number): string[]
  /** What a server process of `kind` needs. */
  config(kind: ServerKind, extra?: Partial<ServerConfig>): ServerConfig
  close(): Promise<void>
}

/** A frozen-clock emulator with a call budget no benchmark reaches: only coalescing limits Graph calls. */
export async function createWorld(): Promise<World> {
  const emu = await startEmulator({ freezeClock: true, callBudgetPerHour: 1_000_000_000 })
  const app = emu.createApp({ name: 'Bench' })
  let users = 0
  return {
    emu,
    app,
    newTokens(count) {
      const tokens: string[] = []
      for (let i = 0; i < count; i++) {
        const user = emu.createUser({ name: `User ${++users}` })
        tokens.push(
          emu.issueUserToken({ appId: app.id, userId: user.id, scopes: ['public_profile'], lifetime: 'long' }),
        )
      }
      return tokens
    },
    config(kind, extra = {}) {
      return { kind, graphUrl: emu.url, appId: app.id, appSecret: app.secret, nowMs: emu.now() * 1000, ...extra }
    },
    close: () => emu.close(),
  }
}
