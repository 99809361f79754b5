// `pnpm --filter @tokens/bench bench:cluster [--quick] [--out dir]`: only the Redis Cluster figures
// (issue 20), written to cluster.md and cluster.json.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseBenchOptions } from './bench-options.js'
import { clusterBench } from './cluster-bench.js'
import { clusterMarkdown } from './report-markdown.js'
import { createWorld } from './world.js'

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2), fileURLToPath(new URL('../results', import.meta.url)))
  const world = await createWorld()
  try {
    const cluster = await clusterBench(world, options)
    const command = `pnpm --filter @tokens/bench bench:cluster${options.quick ? ' --quick' : ''}`
    const markdown = [
      `- Date: ${new Date().toISOString()}`,
      `- Command: \`${command}\``,
      '',
      ...clusterMarkdown(cluster),
    ].join('\n')
    mkdirSync(options.outDir, { recursive: true })
    writeFileSync(join(options.outDir, 'cluster.md'), markdown)
    writeFileSync(join(options.outDir, 'cluster.json'), `${JSON.stringify(cluster, null, 2)}\n`)
    process.stdout.write(markdown)
  } finally {
    await world.close()
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
