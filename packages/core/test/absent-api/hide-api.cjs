// Preloaded with `node --require`: `@opentelemetry/api` (and every other `@opentelemetry/*` package)
// resolves as if it were not installed, and each lookup is recorded in `globalThis.openTelemetryLookups`.
const Module = require('node:module')

const lookups = []
globalThis.openTelemetryLookups = lookups
const resolve = Module._resolveFilename
Module._resolveFilename = function (request, ...rest) {
  if (typeof request === 'string' && request.startsWith('@opentelemetry/')) {
    lookups.push(request)
    const error = new Error(`Cannot find module '${request}'`)
    error.code = 'MODULE_NOT_FOUND'
    throw error
  }
  return resolve.call(this, request, ...rest)
}
