import { defineConfig } from 'vitest/config'
import { packageTest } from '../../vitest.package.js'

export default defineConfig({ test: packageTest() })
