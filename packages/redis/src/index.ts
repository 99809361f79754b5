export { type RedisConnectionOptions, RedisUnavailableError } from './connection.js'
export { RedisCache, type RedisCacheOptions, redisCache } from './redis-cache.js'
export { RedisStore, type RedisStoreOptions, redisStore } from './redis-store.js'
