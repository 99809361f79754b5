// A benchmarked server's process: builds the server named in argv[2] (JSON config), listens on a
// free loopback port and sends that port to the runner.
import { createServer, type RequestListener } from 'node:http'
import type { AddressInfo, Server } from 'node:net'
import { redisCache } from '@tokens/redis'
import {
  attachExpress,
  bareExpress,
  coreExpress,
  jwtBearerExpress,
  limitedLoginExpress,
  middlewareExpress,
  noopExpress,
  tokensExpress,
} from './express-servers.js'
import { bareFastify, facebookTokenFastify, tokensFastify } from './fastify-servers.js'
import { bareNest, timedTokensNest, tokensNest } from './nest-servers.js'
import { facebookTokenServer, graphTokenServer } from './passport-servers.js'
import type { ServerConfig, ServerCpu, ServerReady } from './server-config.js'
import { takeStageTimes, timedCoreExpress, timedHttp, timedTokensExpress } from './timed-servers.js'

/** Serves `handler` (an Express app, or a bare `node:http` one) on a free loopback port. */
function listen(handler: RequestListener): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(handler)
    server.once('listening', () => resolve(server))
    server.once('error', reject)
    server.listen(0, '127.0.0.1')
  })
}

async function start(config: ServerConfig): Promise<Server> {
  switch (config.kind) {
    case 'express-bare':
      return listen(bareExpress())
    case 'express-tokens':
      return listen(tokensExpress(config))
    case 'express-noop':
      return listen(noopExpress())
    case 'express-attach':
      return listen(attachExpress(config))
    case 'express-core':
      return listen(coreExpress(config))
    case 'express-middleware':
      return listen(middlewareExpress(config))
    case 'express-timed-core':
      return listen(timedCoreExpress(config))
    case 'express-timed-tokens':
      return listen(timedTokensExpress(config))
    case 'http-timed':
      return listen(timedHttp)
    case 'express-redis': {
      if (config.redisUrl === undefined && config.redisNodes === undefined) {
        throw new TypeError('express-redis needs redisUrl or redisNodes')
      }
      const connection =
        config.redisNodes !== undefined ? { nodes: config.redisNodes } : { url: config.redisUrl as string }
      const cache = redisCache({
        ...connection,
        prefix: config.redisPrefix,
        clock: () => config.nowMs,
        ...(config.redisLocalMaxEntries === undefined ? {} : { localMaxEntries: config.redisLocalMaxEntries }),
        ...(config.redisCommandTimeoutMs === undefined ? {} : { commandTimeoutMs: config.redisCommandTimeoutMs }),
      })
      return listen(tokensExpress(config, cache))
    }
    case 'express-limited-login':
      return listen(limitedLoginExpress(config))
    case 'express-jwt-bearer':
      return listen(jwtBearerExpress(config))
    case 'passport-facebook-token':
      return listen(facebookTokenServer(config))
    case 'passport-graph-token':
      return listen(graphTokenServer(config))
    case 'fastify-bare':
    case 'fastify-tokens':
    case 'fastify-passport-facebook-token': {
      const build = {
        'fastify-bare': bareFastify,
        'fastify-tokens': tokensFastify,
        'fastify-passport-facebook-token': facebookTokenFastify,
      }
      const app = await build[config.kind](config)
      await app.listen({ port: 0, host: '127.0.0.1' })
      return app.server
    }
    case 'nest-bare':
    case 'nest-tokens':
    case 'nest-timed': {
      const build = { 'nest-bare': bareNest, 'nest-tokens': tokensNest, 'nest-timed': timedTokensNest }
      const app = await build[config.kind](config)
      await app.listen(0, '127.0.0.1')
      return app.getHttpServer() as Server
    }
    default: {
      const never: never = config.kind
      throw new TypeError(`unknown server ${String(never)}`)
    }
  }
}

const config = JSON.parse(process.argv[2] ?? '{}') as ServerConfig
start(config).then(
  (server) => {
    const ready: ServerReady = { port: (server.address() as AddressInfo).port }
    process.send?.(ready)
    process.on('SIGTERM', () => process.exit(0))
    process.on('message', (message) => {
      if (message === 'stage-times') {
        process.send?.(takeStageTimes())
        return
      }
      if (message !== 'cpu') return
      const { user, system } = process.cpuUsage()
      const cpu: ServerCpu = { cpuMicros: user + system, monotonicMicros: Number(process.hrtime.bigint() / 1000n) }
      process.send?.(cpu)
    })
  },
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
