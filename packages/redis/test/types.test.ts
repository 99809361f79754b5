import type { TokenStore, VerificationCache } from '@tokens/core'
import type { Redis } from 'ioredis'
import { expectTypeOf, it } from 'vitest'
import type { RedisCache, RedisCacheOptions, RedisStore, RedisStoreOptions } from '../src/index.js'

it('implements the core interfaces, coalesce included', () => {
  expectTypeOf<RedisStore>().toExtend<TokenStore>()
  expectTypeOf<RedisCache>().toExtend<VerificationCache>()
  expectTypeOf<RedisCache['coalesce']>().toBeFunction()
  expectTypeOf<RedisStore['reencrypt']>().returns.resolves.toBeNumber()
})

it('takes a url or a client, exactly one', () => {
  expectTypeOf<{ url: string }>().toExtend<RedisCacheOptions>()
  expectTypeOf<{ redis: Redis; prefix: string }>().toExtend<RedisStoreOptions>()
  expectTypeOf<{ prefix: string }>().not.toExtend<RedisCacheOptions>()
  expectTypeOf<{ url: string; redis: Redis }>().not.toExtend<RedisStoreOptions>()
})
