export { EXIT, type ExitCode } from './exit-codes.js'
export type { CliIO } from './output.js'
export { run } from './run.js'
