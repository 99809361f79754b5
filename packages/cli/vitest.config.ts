import { defineConfig } from 'vitest/config'
import { packageTest } from '../../vitest.package.js'

// Tests run the built binary as a subprocess against the emulator, SQLite files and redis-server.
export default defineConfig({ test: packageTest({ testTimeout: 60_000 }) })
