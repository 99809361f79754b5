import { createRequire } from 'node:module'
import swc from 'unplugin-swc'
import { defineConfig } from 'vitest/config'
import { nestCompatConfig } from '../nest-compat/config.js'

export default defineConfig({
  plugins: [swc.vite()],
  ...nestCompatConfig(import.meta.url, createRequire(import.meta.url).resolve),
})
