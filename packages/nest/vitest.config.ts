import swc from 'unplugin-swc'
import { defineConfig } from 'vitest/config'
import { packageTest } from '../../vitest.package.js'

export default defineConfig({ plugins: [swc.vite()], test: packageTest() })
