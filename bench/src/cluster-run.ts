// `pnpm --filter @tokens/bench bench:cluster [--quick] [--out dir]`: only the Redis Cluster figures
// (issue 20), written to cluster.md and cluster.json.
import { fileURLToPath } from 'node:url'
import { parseBenchOptions } from './bench-options.js'
import { clusterBench } from './cluster-bench.js'
import { clusterMarkdown } from './report-markdown.js'
import { createWorld } from './world.js'
import { writeReport } from './write-report.js'

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
    writeReport(options.outDir, 'cluster', markdown, cluster)
  } finally {
    await world.close()
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
