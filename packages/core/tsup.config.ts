import { packageConfig } from '../../tsup.package.js'

// Three entries sharing one copy of the core's code in each format (splitting, CommonJS included):
// the adapter kit's `isTokens` and errors are the main entry's own. The testing entry loads Vitest.
// `shims` gives the CommonJS build an `import.meta.url`, from which the optional
// `@opentelemetry/api` is resolved.
export default packageConfig({
  entry: ['src/index.ts', 'src/adapter.ts', 'src/testing.ts'],
  splitting: true,
  shims: true,
})
