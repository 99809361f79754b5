import { packageConfig } from '../../tsup.package.js'

// Two entries: everything, and `graph-token` alone (no passport-facebook).
export default packageConfig({ entry: ['src/index.ts', 'src/graph-token.ts'] })
