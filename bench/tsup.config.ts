import { defineConfig } from 'tsup'

// Four entry points: the runner, and the three kinds of child process it forks.
export default defineConfig({
  entry: ['src/run.ts', 'src/server-main.ts', 'src/load-main.ts', 'src/memory-main.ts'],
  format: ['esm'],
  sourcemap: true,
  clean: true,
  target: 'node20',
})
