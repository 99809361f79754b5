import type { AppConfig, GlobalOptions } from './app-config.js'
import type { CliIO, Output } from './output.js'

/** What every command runs with. */
export interface CommandContext {
  io: CliIO
  output: Output
  options: GlobalOptions
  config: AppConfig
  /** ms since the epoch: the real time, or `--now`. */
  clock: () => number
}
