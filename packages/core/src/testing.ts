/**
 * `@tokens/core/testing`: what a store of your own runs to prove it keeps the `TokenStore`
 * contract, the suite every store of this project runs (Vitest is an optional peer dependency: only
 * this entry loads it).
 */
export {
  describeStoreConformance,
  pageToken,
  type StoreBackend,
  sealAsVersion1,
  userToken,
} from './testing/store-conformance.js'
