import { context, metrics, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  type MetricData,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import { checkExported } from '../../../tests/reliability/leak-check/exported.js'

/** A span as the leak check reads it: everything an exporter would send but the ids. */
function exportedSpan(span: ReadableSpan) {
  return {
    name: span.name,
    attributes: span.attributes,
    events: span.events,
    links: span.links,
    status: span.status,
    resource: span.resource.attributes,
  }
}

/**
 * The OpenTelemetry SDK registered globally with in-memory exporters, as an application registers
 * it: spans are exported as they end, metrics on `metrics()`. Everything exported is handed to the
 * suite-wide leak check after each test. `uninstall()` unregisters everything.
 */
export function installOpenTelemetry() {
  const spanExporter = new InMemorySpanExporter()
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] })
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 })
  const meterProvider = new MeterProvider({ readers: [reader] })
  const contextManager = new AsyncLocalStorageContextManager().enable()
  context.setGlobalContextManager(contextManager)
  trace.setGlobalTracerProvider(tracerProvider)
  metrics.setGlobalMeterProvider(meterProvider)
  let read = 0
  let last: MetricData[] = []
  const collect = async (): Promise<MetricData[]> => {
    metricExporter.reset()
    await reader.forceFlush()
    last = metricExporter.getMetrics().flatMap((resource) => resource.scopeMetrics.flatMap((scope) => scope.metrics))
    return last
  }
  /** The spans ended since the last read, and the latest metrics, for the leak check. */
  const exported = () => {
    const spans = spanExporter.getFinishedSpans().slice(read)
    read += spans.length
    return JSON.stringify({ spans: spans.map(exportedSpan), metrics: last })
  }
  let stopChecking = checkExported(async () => {
    await collect()
    return exported()
  })
  return {
    tracer: trace.getTracer('test'),
    meter: metrics.getMeter('test'),
    /** The spans ended so far. */
    spans(): ReadableSpan[] {
      return spanExporter.getFinishedSpans()
    },
    /** Every metric's latest cumulative data points, collected now. */
    metrics: collect,
    /** Unregisters the SDK; what it exported last is still read by the leak check, once. */
    async uninstall(): Promise<void> {
      await collect()
      const final = exported()
      stopChecking()
      stopChecking = checkExported(() => {
        stopChecking()
        return final
      })
      trace.disable()
      metrics.disable()
      context.disable()
      await tracerProvider.shutdown()
      await meterProvider.shutdown()
    },
  }
}

export type OpenTelemetryHarness = ReturnType<typeof installOpenTelemetry>

/** The spans whose parent is `parent` (or the roots, for `undefined`). */
export function childrenOf(spans: readonly ReadableSpan[], parent: ReadableSpan | undefined): ReadableSpan[] {
  return spans.filter((span) => span.parentSpanContext?.spanId === parent?.spanContext().spanId)
}

/** The sum of a counter's data points whose attributes include `attributes`. */
export function sumOf(all: readonly MetricData[], name: string, attributes: Record<string, unknown> = {}): number {
  const metric = all.find((m) => m.descriptor.name === name)
  if (metric === undefined) return 0
  let sum = 0
  for (const point of metric.dataPoints) {
    const matches = Object.entries(attributes).every(([key, value]) => point.attributes[key] === value)
    if (!matches) continue
    const value = point.value as number | { count: number }
    sum += typeof value === 'number' ? value : value.count
  }
  return sum
}
