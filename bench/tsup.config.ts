import { defineConfig } from 'tsup'

// Five entry points: the runner, the three kinds of child process it forks, and the profiler (profile.ts).
export default defineConfig({
  entry: ['src/run.ts', 'src/server-main.ts', 'src/load-main.ts', 'src/memory-main.ts', 'src/profile.ts'],
  format: ['esm'],
  sourcemap: true,
  clean: true,
  target: 'node20',
})
