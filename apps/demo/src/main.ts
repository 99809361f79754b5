import { banner } from './banner.js'
import { readConfig } from './config.js'
import { startDemo } from './start-demo.js'

const demo = await startDemo(readConfig())
console.log(banner(demo.urls, demo.seed))

let stopping = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return
    stopping = true
    console.log(`\n${signal}: stopping the demo`)
    demo.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error)
        process.exit(1)
      },
    )
  })
}
