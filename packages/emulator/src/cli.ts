#!/usr/bin/env node
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { startEmulator } from './emulator.js'
import { describeSeed, seedDemo } from './seed.js'
import { applySeedFile } from './seed-file.js'

const HELP = `tokens-emulator: a local Meta Graph API emulator

Usage: tokens-emulator [--port 4010] [--host 127.0.0.1] [--seed] [--seed-file <path>]

  --port <n>          port to listen on (0 picks a free one)        default 4010
  --host <addr>       loopback address to bind                      default 127.0.0.1
  --seed              create a demo app, a user with two Pages, and print sample tokens
  --seed-file <path>  create the apps, users (with profile fields) and Pages of a JSON file:
                      {"apps":[{…}],"users":[{"name","firstName","pictureUrl","link",…}],
                       "pages":[{"name","admins","about","fanCount","username",…}]}
  --help              show this help
`

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '4010' },
      host: { type: 'string', default: '127.0.0.1' },
      seed: { type: 'boolean', default: false },
      'seed-file': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) {
    process.stdout.write(HELP)
    return
  }
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError(`--port: invalid port '${values.port}'`)
  const seedFile = values['seed-file']
  const parsedSeed: unknown = seedFile === undefined ? undefined : JSON.parse(readFileSync(seedFile, 'utf8'))
  const emu = await startEmulator({ port, host: values.host })
  const lines = [`Graph API emulator listening on ${emu.url} (default version ${emu.graphVersion})`, '']
  try {
    if (values.seed) lines.push(describeSeed(emu, seedDemo(emu)), '')
    if (parsedSeed !== undefined)
      lines.push(`Seeded from ${seedFile}:`, ...applySeedFile(emu, parsedSeed).map((l) => `  ${l}`), '')
  } catch (error) {
    await emu.close()
    throw error
  }
  if (!values.seed && parsedSeed === undefined) {
    lines.push(`Seed it over HTTP (see the README's Admin API), e.g. curl ${emu.url}/__admin/state`, '')
  }
  lines.push('Press Ctrl+C to stop.')
  process.stdout.write(`${lines.join('\n')}\n`)
  const stop = () => {
    emu.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

main().catch((error: unknown) => {
  process.stderr.write(`tokens-emulator: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})
