import { MemoryStore } from '../src/index.js'
import { describeStoreConformance } from '../src/testing.js'

describeStoreConformance('MemoryStore', {
  persistent: false,
  open: (options) => new MemoryStore(options),
  reset() {},
})
