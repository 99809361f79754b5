import { defineConfig } from 'tsup'

// Seven entry points: the runner, the four kinds of child process it forks, the profiler (profile.ts)
// and the Redis Cluster figures alone (cluster-run.ts).
export default defineConfig({
  entry: [
    'src/run.ts',
    'src/server-main.ts',
    'src/load-main.ts',
    'src/memory-main.ts',
    'src/open-telemetry-main.ts',
    'src/profile.ts',
    'src/cluster-run.ts',
  ],
  format: ['esm'],
  sourcemap: true,
  clean: true,
  target: 'node20',
})
