#!/usr/bin/env node
import { run } from './run.js'

process.on('SIGINT', () => process.exit(130))
run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    // run() reports every failure itself; anything here is a bug of the tool, without a stack.
    process.stderr.write(`tokens: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = 70
  },
)
