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

/**
 * The OpenTelemetry SDK registered globally with in-memory exporters, as an application registers
 * it: spans are exported as they end, metrics on `collect()`. `uninstall()` unregisters everything.
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
  return {
    tracer: trace.getTracer('test'),
    /** The spans ended so far. */
    spans(): ReadableSpan[] {
      return spanExporter.getFinishedSpans()
    },
    /** Every metric's latest cumulative data points, collected now. */
    async metrics(): Promise<MetricData[]> {
      metricExporter.reset()
      await reader.forceFlush()
      return metricExporter.getMetrics().flatMap((resource) => resource.scopeMetrics.flatMap((scope) => scope.metrics))
    },
    async uninstall(): Promise<void> {
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
