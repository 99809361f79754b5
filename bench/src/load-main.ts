// The load generator's process: runs autocannon for the runner and sends back what it measured.
import autocannon from 'autocannon'
import type { LoadReply, LoadRequest, LoadResult, LoadTarget } from './load-spec.js'
import { ROUTE } from './server-config.js'
import { percentile } from './statistics.js'

function load(target: LoadTarget): Promise<LoadResult> {
  let next = 0
  const latencies: number[] = []
  let failures = 0
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint()
    // Autocannon notices the end of a run only on its next 1 s tick: req/s is counted up to the last answer.
    let lastAnswer = started
    const instance = autocannon(
      {
        url: target.url,
        connections: target.connections,
        ...(target.amount === undefined ? { duration: target.duration ?? 1 } : { amount: target.amount }),
        timeout: 30,
        requests: [
          {
            method: 'GET',
            path: ROUTE,
            setupRequest: (request) => {
              const token = target.tokens[next++ % target.tokens.length]
              return { ...request, headers: { ...request.headers, authorization: `Bearer ${token}` } }
            },
          },
        ],
      },
      (error, result) => {
        if (error) {
          reject(error)
          return
        }
        const seconds = Number(lastAnswer - started) / 1e9
        latencies.sort((a, b) => a - b)
        resolve({
          requests: latencies.length,
          rps: seconds > 0 ? latencies.length / seconds : 0,
          p50Ms: percentile(latencies, 50),
          p99Ms: percentile(latencies, 99),
          failures: failures + result.errors + result.timeouts,
        })
      },
    )
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      lastAnswer = process.hrtime.bigint()
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime)
      else failures++
    })
  })
}

process.on('message', (message: LoadRequest) => {
  Promise.all(message.targets.map(load)).then(
    (results) => {
      const reply: LoadReply = { results }
      process.send?.(reply, () => process.exit(0))
    },
    (error: unknown) => {
      console.error(error)
      process.exit(1)
    },
  )
})
