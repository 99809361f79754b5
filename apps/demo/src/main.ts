import { banner } from './banner.js'
import { readConfig } from './config.js'
import { startDemo } from './start-demo.js'

const config = readConfig(process.env, process.argv.slice(2))
// The SDK first: the core finds it when it is built.
const stopPrinting = config.printSpans ? (await import('./open-telemetry.js')).printSpans() : undefined
const started = startDemo(config)

// Listen for signals before the banner says the demo runs: a signal right after it must stop it cleanly.
let stopping = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return
    stopping = true
    console.log(`\n${signal}: stopping the demo`)
    started
      .then((demo) => demo.close())
      .then(() => stopPrinting?.())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(error)
          process.exit(1)
        },
      )
  })
}

const demo = await started
if (!stopping) console.log(banner(demo.urls, demo.seed, config.printSpans))
