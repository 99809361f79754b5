import { packageConfig } from '../../tsup.package.js'

// Three entries: everything, `graph-token` alone (no passport-facebook), and `nest` (the only one that
// loads @nestjs/common and @nestjs/passport).
export default packageConfig({ entry: ['src/index.ts', 'src/graph-token.ts', 'src/nest.ts'] })
