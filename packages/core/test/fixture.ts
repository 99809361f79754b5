import { type Emulator, startEmulator } from '@tokens/emulator'
import { createTokens, type Tokens, type TokensEvent, type TokensOptions } from '../src/index.js'

/** Unix seconds every test starts at. */
export const START = 1_750_000_000

/** An emulator with one app, a user who administers two Pages, and a core pointed at it on the same clock. */
export async function createFixture(
  options: Partial<TokensOptions> = {},
  emulator: { callBudgetPerHour?: number } = {},
) {
  const emu: Emulator = await startEmulator({
    now: START,
    freezeClock: true,
    callBudgetPerHour: emulator.callBudgetPerHour ?? 100_000,
  })
  const app = emu.createApp({ name: 'Core Test', redirectUris: ['http://localhost:3000/callback'] })
  const otherApp = emu.createApp({ name: 'Somebody Else' })
  const user = emu.createUser({ name: 'Ada Lovelace' })
  const pages = [1, 2].map((n) => emu.createPage({ name: `Page ${n}`, category: 'Bakery', admins: [user.id] }))
  const events: TokensEvent[] = []
  const tokens: Tokens = createTokens({
    ...emu.coreOptions(app),
    retries: { retries: 2, baseDelayMs: 1, maxDelayMs: 5 },
    timeoutMs: 2000,
    onEvent: (event) => events.push(event),
    ...options,
  })
  return {
    emu,
    app,
    otherApp,
    user,
    pages,
    tokens,
    events,
    async close() {
      await tokens.close()
      await emu.close()
    },
  }
}

export type Fixture = Awaited<ReturnType<typeof createFixture>>

/** Runs `fn` and returns what it threw. */
export async function rejection(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn()
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}
