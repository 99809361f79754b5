import { defineConfig } from 'tsup'

export default defineConfig({
  // src/cli.ts starts with `#!/usr/bin/env node`, which esbuild keeps in dist/cli.js.
  entry: ['src/index.ts', 'src/cli.ts'],
  format: ['esm', 'cjs'],
  dts: { entry: 'src/index.ts' },
  sourcemap: true,
  clean: true,
  target: 'node20',
})
