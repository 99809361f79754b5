import { ConsoleSpanExporter, NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node'

/**
 * Registers the OpenTelemetry SDK with an exporter that prints every span to the console as it ends
 * (`pnpm demo --otel`, or `TOKENS_DEMO_OTEL=1`): the spans the core reports, as an application's
 * exporter would receive them. Registered before the core is built. Returns what shuts it down.
 */
export function printSpans(): () => Promise<void> {
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new ConsoleSpanExporter())] })
  provider.register()
  return () => provider.shutdown()
}
