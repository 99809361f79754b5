// Preloaded (`node --require`) into the OpenTelemetry benchmark's "absent" child: every
// `@opentelemetry/*` package resolves as if it were not installed, as in an app that never installed
// `@opentelemetry/api`. Counts the lookups in `globalThis.openTelemetryLookups`.
const Module = require('node:module')

let lookups = 0
const resolve = Module._resolveFilename
Module._resolveFilename = function (request, ...rest) {
  if (typeof request === 'string' && request.startsWith('@opentelemetry/')) {
    globalThis.openTelemetryLookups = ++lookups
    const error = new Error(`Cannot find module '${request}'`)
    error.code = 'MODULE_NOT_FOUND'
    throw error
  }
  return resolve.call(this, request, ...rest)
}
