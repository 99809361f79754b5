import { defineConfig } from 'tsup'

// emitDecoratorMetadata in tsconfig.json makes tsup compile with SWC, which keeps Nest's metadata.
export default defineConfig({
  entry: ['src/main.ts', 'src/start-demo.ts'],
  format: ['esm'],
  dts: false,
  sourcemap: true,
  clean: true,
  target: 'node20',
})
