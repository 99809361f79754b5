import swc from 'unplugin-swc'
import { defineConfig } from 'vitest/config'
import { packageTest } from '../../vitest.package.js'

// swc compiles the decorators of the Nest tests (with their metadata), as in @tokens/nest.
export default defineConfig({ plugins: [swc.vite()], test: packageTest() })
