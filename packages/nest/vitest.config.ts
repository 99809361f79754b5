import swc from 'unplugin-swc'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  plugins: [swc.vite()],
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['../../tests/reliability/leak-check/setup.ts'],
    testTimeout: 20_000,
    typecheck: { enabled: false },
  },
})
