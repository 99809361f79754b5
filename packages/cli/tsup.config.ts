import { packageConfig } from '../../tsup.package.js'

// src/cli.ts starts with `#!/usr/bin/env node`, which esbuild keeps in dist/cli.js (the `tokens` bin).
export default packageConfig({ entry: ['src/index.ts', 'src/cli.ts'], dts: { entry: 'src/index.ts' } })
