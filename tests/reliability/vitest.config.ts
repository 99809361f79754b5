import swc from 'unplugin-swc'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  plugins: [swc.vite()],
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['./leak-check/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    typecheck: { enabled: false },
  },
})
